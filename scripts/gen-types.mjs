// Regenerates src/spec/types.generated.ts from schemas/ (run after `npm run build`).
import { writeFile } from 'node:fs/promises';
import { generateTypes } from '../dist/spec/generate-types.js';

const out = await generateTypes('schemas');
await writeFile('src/spec/types.generated.ts', out);
console.log('wrote src/spec/types.generated.ts');
