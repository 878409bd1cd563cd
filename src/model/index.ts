// The domain model: types shared by every layer. Imports nothing outside this folder.
export * from './access.js';
export * from './desired.js';
export * from './job.js';
export * from './observed.js';
export * from './override.js';
export * from './split.js';
export * from './submission.js';
export type * from './types.generated.js';
