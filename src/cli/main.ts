// The `coffer` command. Each subcommand lives in its own file under commands/ and registers itself here.
import { Command } from 'commander';
import { CofferError } from '../shared/errors.js';
import { registerDevCommand } from './commands/dev.js';
import { registerMigrateCommand } from './commands/migrate.js';

export function buildProgram(): Command {
  const program = new Command('coffer')
    .description('Production Stripe billing: library, service, operator CLI and a local Stripe emulator')
    .showHelpAfterError();
  registerDevCommand(program);
  registerMigrateCommand(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    // Known errors print their message only; a stack trace helps nobody fix a bad setting.
    if (error instanceof CofferError) {
      console.error(`coffer: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

await main();
