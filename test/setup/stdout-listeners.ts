// @oclif/core adds a process.stdout 'error' listener when its module loads. jest loads modules afresh
// for every test file while process.stdout is one per worker, so each file that runs a command would
// leave one more listener behind (MaxListenersExceededWarning after ten files). Each file removes the
// listeners it added.
const before = new Set(process.stdout.listeners('error'))

afterAll(() => {
  for (const listener of process.stdout.listeners('error')) {
    if (!before.has(listener)) process.stdout.off('error', listener as (...args: unknown[]) => void)
  }
})
