// jest replaces `console`, and oclif's ux.stdout writes through it: restore a real Console so
// command output reaches process.stdout, where @oclif/test's capture sees it.
import {Console} from 'node:console'

globalThis.console = new Console({stdout: process.stdout, stderr: process.stderr})
