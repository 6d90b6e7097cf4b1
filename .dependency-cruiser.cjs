/**
 * Import rules for the hub, checked by `npm run check:deps` (a step of `npm test`):
 * - no cycle between files, and none between folders, in src/;
 * - the core (src/) imports no vendor SDK: those live in channels/ (patient channels) and
 *   providers/ (vendor wrappers), which implement src/channel-port and the triage LLM port;
 * - the core imports no adapter either, except src/main.ts, which picks the ones to run.
 * Platform libraries (express, socket.io, bullmq, ioredis, pg, drizzle, zod, pino, luxon,
 * libphonenumber-js, handlebars) are not vendor SDKs: no provider account stands behind them.
 */
const VENDOR_SDKS = [
  'twilio',
  'sms-segments-calculator',
  'botbuilder',
  'botframework-[^/]+',
  'openai',
  'nodemailer',
  'smtp-server',
  'mailparser',
  'mailauth',
  '@slack/[^/]+',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycle',
      comment: 'Two files that import each other (through any chain, types too) cannot be read apart.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'Feature folders depend one way: a folder cycle means two features are one.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-vendor-sdk-in-core',
      comment: 'The core imports no vendor SDK: wrap it in channels/ or providers/ behind a port.',
      severity: 'error',
      from: { path: '^src/' },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        path: `^node_modules/(${VENDOR_SDKS.join('|')})/`,
      },
    },
    {
      name: 'no-adapter-in-core',
      comment:
        'Only src/main.ts chooses the channels and providers to run; the rest of src/ sees their ports.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$' },
      to: { path: '^(channels|providers)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|web)/' },
    tsPreCompilationDeps: true,
    parser: 'tsc',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json', '.d.ts'],
    },
  },
};
