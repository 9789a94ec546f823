import {execFileSync} from 'node:child_process'
import {join, resolve} from 'node:path'
import {generatePair} from '../../src/example/generate-pair'
import {useHubEnv} from '../hub/cli-env'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'

describe("a newcomer's small stumbles", () => {
  const tmp = useTempDir()
  const setEnv = useHubEnv()

  test.each([
    [['mrege'], 'Error: "mrege" is not a cmaam command. Did you mean "cmaam merge"?'],
    [['hub', 'psh'], 'Error: "hub psh" is not a cmaam command. Did you mean "cmaam hub push"?'],
    [['lora', 'mrge'], 'Error: "lora mrge" is not a cmaam command. Did you mean "cmaam lora merge"?'],
    [['zzzzzz'], 'Error: "zzzzzz" is not a cmaam command.'],
  ])('a mistyped command suggests the closest: %j', async (argv, line) => {
    const run = await cmaam(argv)
    expect(run.code).toBe(127)
    expect(run.stderr).toBe(`${line}\n\`cmaam --help\` lists the commands.\n`)
  })

  test('npm commands in the repository print no config warning (onnxruntime-node\'s install script is denied by allowScripts, not by an .npmrc key npm 11 does not know)', () => {
    const root = resolve(__dirname, '..', '..')
    const env = {...process.env}
    for (const key of Object.keys(env)) if (/^npm_config_onnxruntime/i.test(key)) delete env[key]
    const stderr = execFileSync('sh', ['-c', 'npm pkg get name 2>&1 >/dev/null'], {cwd: root, env, encoding: 'utf8'})
    expect(stderr).not.toMatch(/Unknown project config/)
  })

  test('eval --help shows the two ways to call it; lora merge --help does not speak of spectra', async () => {
    const evalHelp = await cmaam(['eval', '--help'])
    expect(evalHelp.stdout).toContain('USAGE\n  $ cmaam eval -m <model>... -d <data> [-o <output>] [flags]\n  $ cmaam eval --combine <dir>... [-o <output>]\n')
    const loraHelp = await cmaam(['lora', 'merge', '--help'])
    expect(loraHelp.stdout).toContain('--device')
    expect(loraHelp.stdout).not.toMatch(/spectr/i)
  })

  test('the analysis table ends with one line per score and a pointer to docs/method.md', async () => {
    const {source, target} = await generatePair({family: 'llava', dir: join(tmp(), 'pair')})
    const run = await cmaam(['analyze', '-s', source, '-t', target])
    expect(run.code).toBe(0)
    const lines = run.stdout.split('\n')
    const end = lines.findIndex((line) => line.startsWith('α used'))
    expect(lines[end + 1]).toBe('')
    const legend = lines.slice(end + 2, end + 9).map((line) => line.split(/\s{2,}/)[0])
    expect(legend).toEqual(['PDA', 'GFS', 'CMBC', 'coherence', 'spectral', 'α comp', 'Formulas: docs/method.md (§3 scores, §5 α).'])
    // Every score it explains is in the table above it.
    for (const score of ['PDA', 'GFS', 'CMBC', 'coherence', 'spectral', 'α comp']) expect(lines.slice(0, end).join('\n')).toContain(score)
  })

  test('a Hub id that cannot be fetched says that no such folder exists either', async () => {
    setEnv({HF_HUB_OFFLINE: '1', HF_HOME: tmp()})
    const run = await cmaam(['merge', '-s', 'nosuchorg/ft', '-t', 'nosuchorg/base', '-o', join(tmp(), 'out')])
    expect(run.code).not.toBe(0)
    const [line] = run.stderr.split('\n')
    expect(line).toMatch(/^Error: .*nosuchorg\/ft.* \(and there is no folder .*nosuchorg\/ft\)$/)
  })
})
