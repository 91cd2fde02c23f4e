// The `coffer` command's entry point (bin/coffer.js runs it); the program itself is in program.ts.
import { main } from './program.js';

await main();
