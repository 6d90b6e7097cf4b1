/**
 * Every table, for the app and for drizzle-kit (drizzle.config.ts). The tables every feature
 * refers to are in core-schema.ts; the others in a file each, which import core-schema, never
 * this file, so no schema file imports itself back.
 */

export * from './campaign-schema';
export * from './canned-response-schema';
export * from './channel-state-schema';
export * from './contact-matching-schema';
export * from './core-schema';
export * from './csat-schema';
export * from './idempotency-schema';
export * from './inbox-schema';
export * from './label-schema';
export * from './secure-link-schema';
export * from './webchat-schema';
