// The `coffer` program: every command registered explicitly, each from its own file under commands/.
import { Command } from 'commander';
import { CofferError } from '../shared/errors.js';
import { registerDevCommand } from './commands/dev.js';
import { registerEmulatorCommand } from './commands/emulator.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerPruneCommand } from './commands/prune.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSyncCommand } from './commands/sync.js';
import { registerWorkerCommand } from './commands/worker.js';

export function buildProgram(): Command {
  const program = new Command('coffer')
    .description('Production Stripe billing: library, service, operator CLI and a local Stripe emulator')
    .showHelpAfterError();
  registerDevCommand(program);
  registerServeCommand(program);
  registerWorkerCommand(program);
  registerReplayCommand(program);
  registerPruneCommand(program);
  registerSyncCommand(program);
  registerMigrateCommand(program);
  registerEmulatorCommand(program);
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
