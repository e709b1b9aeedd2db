// Entry for `node test/conformance <base-url>`: Node resolves the directory to
// this file (ESM, as the repository's package.json has "type": "module").
import { main } from './index.mjs';

main(process.argv.slice(2));
