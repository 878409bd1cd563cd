// Preloaded (node --import) into a CLI run by a test: at exit, the process's peak resident
// set size in bytes is written to the file $GITPOMS_TEST_RSS_FILE names.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.GITPOMS_TEST_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
});
