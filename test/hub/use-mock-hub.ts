import nock from 'nock'
import {createMockHub, type CreateMockHubOptions, type MockHub} from './mock-hub'

/** Mock Hubs for a suite: no real network while it runs, and every hub a test opens closed after it. */
export function useMockHub(): (options?: CreateMockHubOptions) => MockHub {
  let open: MockHub[] = []
  beforeAll(() => nock.disableNetConnect())
  afterAll(() => nock.enableNetConnect())
  afterEach(() => {
    for (const hub of open) hub.close()
    open = []
  })
  return (options) => {
    const hub = createMockHub(options)
    open.push(hub)
    return hub
  }
}
