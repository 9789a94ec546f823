/**
 * An independent, deliberately plain implementation of the CMAAM numbers (spec §3–§5) over raw value
 * arrays, used as the expectation in the analysis tests. It never calls the code under test.
 */
import type {Component} from '../../../src/models/types'
import type {TensorPairStats} from '../../../src/merge/analysis/types'

export interface RawPair {
  name: string
  component: Component
  group: string
  indexed: boolean
  shape: number[]
  s: number[]
  t: number[]
}

export interface NaiveOptions {
  baseAlpha: number
  strategy: 'basic' | 'layerwise' | 'component' | 'full'
  minAlpha: number
  maxAlpha: number
  componentBaseAlpha: Partial<Record<Component, number>>
}

export interface NaiveCounts {
  bridgeKeysSource: number
  bridgeKeysTarget: number
  commonBridgeKeys: number
  bridgeKeysUnion: number
}

const COMPS: Component[] = ['vision', 'bridge', 'language', 'shared']

export function nMean(xs: number[]): number {
  let s = 0
  for (const x of xs) s += x
  return s / xs.length
}

export function nVarUnbiased(xs: number[]): number {
  if (xs.length <= 1) return 0
  const m = nMean(xs)
  let s = 0
  for (const x of xs) s += (x - m) ** 2
  return s / (xs.length - 1)
}

export function nL2(xs: number[]): number {
  let s = 0
  for (const x of xs) s += x * x
  return Math.sqrt(s)
}

export function nMeanAbs(xs: number[]): number {
  let s = 0
  for (const x of xs) s += Math.abs(x)
  return s / xs.length
}

export function nPopStd(xs: number[]): number {
  const m = nMean(xs)
  let s = 0
  for (const x of xs) s += (x - m) ** 2
  return Math.sqrt(s / xs.length)
}

export function nW1(a: number[], b: number[]): number {
  const sa = [...a].sort((x, y) => x - y)
  const sb = [...b].sort((x, y) => x - y)
  let s = 0
  for (let i = 0; i < sa.length; i++) s += Math.abs(sa[i] - sb[i])
  return s / sa.length
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations. */
export function jacobiEigenvalues(input: number[][]): number[] {
  const n = input.length
  const a = input.map((row) => [...row])
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2
    if (off < 1e-30) break
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < n; k++) {
          const akp = a[k][p]
          const akq = a[k][q]
          a[k][p] = c * akp - s * akq
          a[k][q] = s * akp + c * akq
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k]
          const aqk = a[q][k]
          a[p][k] = c * apk - s * aqk
          a[q][k] = s * apk + c * aqk
        }
      }
    }
  }
  return a.map((row, i) => row[i])
}

/** Top-k singular values (descending), k = min(rows, cols, 50), of the values reshaped to [shape0, −1]. */
export function nSingularValues(values: number[], shape: number[]): number[] {
  const rows = shape[0]
  const cols = values.length / rows
  const A = (i: number, j: number) => values[i * cols + j]
  const small = Math.min(rows, cols)
  const gram: number[][] = []
  for (let i = 0; i < small; i++) {
    gram.push([])
    for (let j = 0; j < small; j++) {
      let s = 0
      if (cols <= rows) for (let r = 0; r < rows; r++) s += A(r, i) * A(r, j)
      else for (let c = 0; c < cols; c++) s += A(i, c) * A(j, c)
      gram[i].push(s)
    }
  }
  const sv = jacobiEigenvalues(gram).map((l) => Math.sqrt(Math.max(0, l)))
  sv.sort((x, y) => y - x)
  return sv.slice(0, Math.min(rows, cols, 50))
}

/** What the streaming engine would hand over for one raw pair, computed naively. */
export function toPairStats(r: RawPair): TensorPairStats {
  const moments = (xs: number[]) => {
    const n = xs.length
    const mean = n === 0 ? 0 : nMean(xs)
    let m2 = 0
    for (const x of xs) m2 += (x - mean) ** 2
    let sumAbs = 0
    for (const x of xs) sumAbs += Math.abs(x)
    return {n, mean, m2, sumAbs}
  }
  let dot: number | null = null
  let spectra: TensorPairStats['spectra'] = null
  if (r.component === 'bridge') {
    dot = 0
    for (let i = 0; i < r.s.length; i++) dot += r.s[i] * r.t[i]
    if (r.shape.length >= 2) {
      spectra = {
        source: Float64Array.from(nSingularValues(r.s, r.shape)),
        target: Float64Array.from(nSingularValues(r.t, r.shape)),
      }
    }
  }
  return {
    name: r.name,
    component: r.component,
    group: r.group,
    indexed: r.indexed,
    shape: r.shape,
    source: moments(r.s),
    target: moments(r.t),
    w1: r.s.length === 0 ? 0 : nW1(r.s, r.t),
    dot,
    spectra,
  }
}

function mappedCos(a: number[], b: number[]): number | null {
  let dot = 0
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i]
  const na = nL2(a)
  const nb = nL2(b)
  if (na <= 1e-10 || nb <= 1e-10) return null
  return (dot / (na * nb) + 1) / 2
}

function flow(xs: number[]): number {
  return nMeanAbs(xs) * Math.sqrt(Math.abs(nVarUnbiased(xs)) + 1e-10)
}

function sensitivityOf(members: Array<{name: string; x: number[]}>) {
  const attn = members.filter((m) => /q_proj|k_proj|v_proj|o_proj|attn/.test(m.name.toLowerCase()))
  const mlp = members.filter(
    (m) => !attn.includes(m) && /mlp|gate|up_proj|down_proj|fc/.test(m.name.toLowerCase()),
  )
  const A = attn.length ? nMean(attn.map((m) => nL2(m.x))) : 0
  const M = mlp.length ? nMean(mlp.map((m) => nL2(m.x))) : 0
  let v = A / (A + M + 1e-10)
  let l = M / (A + M + 1e-10)
  const sa = attn.length ? nMean(attn.map((m) => Math.sqrt(nVarUnbiased(m.x)))) : 0
  const sm = mlp.length ? nMean(mlp.map((m) => Math.sqrt(nVarUnbiased(m.x)))) : 0
  const r = sa / (sm + 1e-10)
  if (r > 1) v = v * Math.min(1.5, r)
  else if (r > 1e-10) l = l * Math.min(1.5, 1 / r)
  const tot = v + l + 1e-10
  const importance = nMean(members.map((m) => nL2(m.x) / Math.sqrt(m.x.length) / Math.sqrt(nVarUnbiased(m.x) + 1e-8)))
  return {vision: v / tot, language: l / tot, importance}
}

export function naiveAnalysis(raws: RawPair[], counts: NaiveCounts, o: NaiveOptions) {
  const rs = [...raws].sort((a, b) => (a.name < b.name ? -1 : 1))

  // PDA
  const pda: Record<string, number> = {}
  let pw = 0
  let pc = 0
  for (const c of COMPS) {
    const list = rs.filter((r) => r.component === c)
    if (list.length === 0) continue
    pda[c] = Math.exp(-nMean(list.map((r) => nW1(r.s, r.t))))
    pw += list.length * pda[c]
    pc += list.length
  }
  if (pc > 0) pda.overall = pw / pc

  // GFS
  const gfs: Record<string, number> = {}
  const gfsVals: number[] = []
  for (const c of COMPS) {
    const list = rs.filter((r) => r.component === c)
    if (list.length === 0) continue
    gfs[c] = mappedCos(list.map((r) => flow(r.s)), list.map((r) => flow(r.t))) ?? 0.5
    gfsVals.push(gfs[c])
  }
  const layerGroups = [...new Set(rs.filter((r) => r.indexed).map((r) => r.group))].sort()
  const layerSims: number[] = []
  for (const g of layerGroups) {
    const list = rs.filter((r) => r.indexed && r.group === g)
    const sim = mappedCos(list.map((r) => flow(r.s)), list.map((r) => flow(r.t)))
    if (sim !== null) layerSims.push(sim)
  }
  if (layerSims.length) {
    gfs.layer_mean = nMean(layerSims)
    gfs.layer_std = nPopStd(layerSims)
    gfsVals.push(gfs.layer_mean)
  }
  if (gfsVals.length) gfs.overall = nMean(gfsVals)

  // CMBC
  let cmbc: Record<string, number | string>
  let cmbcOverall = 0.5
  if (counts.commonBridgeKeys === 0) {
    cmbc = {coherence: 0.5, coverage: 0, n_params: 0, warning: 'No common bridge parameters found'}
  } else {
    const bridge = rs.filter((r) => r.component === 'bridge')
    const coh: number[] = []
    const spec: number[] = []
    for (const r of bridge) {
      const c = mappedCos(r.s, r.t)
      if (c !== null) coh.push(c)
      if (r.shape.length >= 2) {
        const ss = nSingularValues(r.s, r.shape)
        const st = nSingularValues(r.t, r.shape)
        const sumS = ss.reduce((x, y) => x + y, 0)
        const sumT = st.reduce((x, y) => x + y, 0)
        let kl = 0
        for (let i = 0; i < ss.length; i++) {
          const p = st[i] / (sumT + 1e-10) + 1e-10
          const q = ss[i] / (sumS + 1e-10) + 1e-10
          kl += p * (Math.log(p) - Math.log(q))
        }
        spec.push(Math.exp(-Math.abs(kl)))
      }
    }
    cmbc = {}
    if (coh.length) {
      cmbc.coherence = nMean(coh)
      cmbc.coherence_std = nPopStd(coh)
    }
    if (spec.length) cmbc.spectral = nMean(spec)
    cmbc.coverage = counts.commonBridgeKeys / counts.bridgeKeysUnion
    cmbc.n_params = counts.commonBridgeKeys
    if (coh.length) cmbcOverall = spec.length ? 0.7 * nMean(coh) + 0.3 * nMean(spec) : nMean(coh)
    cmbc.overall = cmbcOverall
  }

  const score = 0.4 * (pda.overall ?? 0.5) + 0.3 * (gfs.overall ?? 0.5) + 0.3 * cmbcOverall
  const componentScores: Record<string, number> = {}
  for (const c of COMPS) {
    componentScores[c] = 0.4 * (pda[c] ?? 0.5) + 0.3 * (gfs[c] ?? 0.5)
    if (c === 'bridge') componentScores[c] = 0.5 * componentScores[c] + 0.5 * cmbcOverall
  }

  // Sensitivity
  const groups = [...new Set(rs.map((r) => r.group))].sort()
  const sens = (side: 's' | 't') => {
    const out: Record<string, {vision: number; language: number; importance: number}> = {}
    for (const g of groups) out[g] = sensitivityOf(rs.filter((r) => r.group === g).map((r) => ({name: r.name, x: r[side]})))
    return out
  }
  const sourceSens = sens('s')
  const targetSens = sens('t')

  // Alphas
  const a0 = o.baseAlpha
  const layerAlphas: Record<string, number> = {}
  for (const g of groups) {
    const vS = sourceSens[g].vision
    const vT = targetSens[g].vision
    const imp = (sourceSens[g].importance + targetSens[g].importance) / 2
    layerAlphas[g] =
      a0 * (0.5 + 0.4 * (1 - Math.abs(vS - vT)) + 0.3 * (1 - 2 * Math.abs((vS + vT) / 2 - 0.5)) + 0.3 * (1 - Math.min(1, imp / 10)))
  }
  const componentAlphas: Record<string, number> = {}
  for (const c of COMPS) {
    componentAlphas[c] = (o.componentBaseAlpha[c] ?? a0) * (0.5 + componentScores[c])
    if (c === 'bridge' && cmbcOverall < 0.4) componentAlphas[c] *= 0.7
    if (c === 'bridge' && cmbcOverall > 0.7) componentAlphas[c] *= 1.2
  }
  const basicAlpha = a0 * (1 + score - 0.5)
  const alphas = new Map<string, number>()
  for (const r of rs) {
    let a: number
    if (o.strategy === 'basic') a = basicAlpha
    else if (o.strategy === 'component') a = componentAlphas[r.component]
    else if (o.strategy === 'layerwise') a = layerAlphas[r.group]
    else a = (componentAlphas[r.component] + layerAlphas[r.group]) / 2
    alphas.set(r.name, Math.min(o.maxAlpha, Math.max(o.minAlpha, a)))
  }
  const av = [...alphas.values()]
  const summary = av.length
    ? {mean: nMean(av), std: nPopStd(av), min: Math.min(...av), max: Math.max(...av)}
    : {mean: 0, std: 0, min: 0, max: 0}

  return {
    report: {
      alignment: {pda, gfs, cmbc, overall: {score}, component_scores: componentScores},
      source_sensitivity: sourceSens,
      target_sensitivity: targetSens,
      layer_alphas: layerAlphas,
      component_alphas: componentAlphas,
      basic_alpha: basicAlpha,
      computed_alphas: summary,
    },
    alphas,
  }
}

/**
 * Deep comparison: identical key sets and strings, numbers to 12 decimals (values above 1 in
 * magnitude to 12 significant digits, since their last bit is already near 1e−13).
 */
export function expectClose(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') throw new Error(`${path}: expected a number, got ${JSON.stringify(actual)}`)
    if (!Number.isFinite(actual)) throw new Error(`${path}: not finite (${actual})`)
    const scale = Math.max(1, Math.abs(expected))
    if (!(Math.abs(actual - expected) / scale < 5e-13)) {
      throw new Error(`${path}: expected ${expected}, got ${actual}`)
    }
    return
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') throw new Error(`${path}: expected an object, got ${String(actual)}`)
    const ka = Object.keys(actual).sort()
    const ke = Object.keys(expected).sort()
    if (JSON.stringify(ka) !== JSON.stringify(ke)) {
      throw new Error(`${path}: keys ${JSON.stringify(ka)} differ from expected ${JSON.stringify(ke)}`)
    }
    for (const k of ke) expectClose((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`)
    return
  }
  if (actual !== expected) throw new Error(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
}
