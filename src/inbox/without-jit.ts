// Moved to platform/db, where campaigns use it too; the inbox's imports keep working.
export { withoutJit } from '../platform/db/without-jit';
