import { channelConfigSections, channelFactories } from '../channels';
import { openAiTriageClassifier } from '../providers/openai/openai-triage-classifier';
import { startHub } from './app/start-hub';
import { ConfigError, type HubConfig, parseConfig } from './platform/config/config';
import { createLogger } from './platform/http/logger';

async function main(): Promise<void> {
  let config: HubConfig;
  try {
    config = parseConfig(process.env, channelConfigSections);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const llm = config.OPENAI_API_KEY
    ? openAiTriageClassifier({
        apiKey: config.OPENAI_API_KEY,
        baseURL: config.OPENAI_BASE_URL,
        model: config.OPENAI_MODEL,
      })
    : undefined;
  const hub = await startHub(config, { logger, channelFactories, llm, runWorkers: config.RUN_WORKERS });
  if (hub.admin.kind === 'generated') {
    // Printed once, to the terminal only (not the structured log), on the first start.
    process.stdout.write(
      `\nCreated the first admin. Log in at ${config.publicUrl}/inbox with\n  email:    ${hub.admin.email}\n  password: ${hub.admin.password}\nThis password is not shown again.\n\n`,
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    hub.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(
    `The hub could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
