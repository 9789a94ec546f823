import {sortedByName} from './by-name'
import {compareNatural} from './natural-order'
import {derivePair, type SideDerived} from './pair-derived'
import type {GroupSensitivity, SensitivityTable, TensorPairStats} from './types'

const ATTENTION_MARKERS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'attn']
const MLP_MARKERS = ['mlp', 'gate', 'up_proj', 'down_proj', 'fc']

type Kind = 'attention' | 'mlp' | 'other'

function kindOf(name: string): Kind {
  const lower = name.toLowerCase()
  if (ATTENTION_MARKERS.some((m) => lower.includes(m))) return 'attention'
  if (MLP_MARKERS.some((m) => lower.includes(m))) return 'mlp'
  return 'other'
}

/** Mean of `f` over the list, 0 when the list is empty (spec §4: "0 if none"). */
function meanOr0(xs: readonly SideDerived[], f: (s: SideDerived) => number): number {
  if (xs.length === 0) return 0
  let s = 0
  for (const x of xs) s += f(x)
  return s / xs.length
}

function groupSensitivity(members: ReadonlyArray<{name: string; d: SideDerived}>): GroupSensitivity {
  const attention: SideDerived[] = []
  const mlp: SideDerived[] = []
  for (const m of members) {
    const k = kindOf(m.name)
    if (k === 'attention') attention.push(m.d)
    else if (k === 'mlp') mlp.push(m.d)
  }
  const A = meanOr0(attention, (s) => s.l2)
  const M = meanOr0(mlp, (s) => s.l2)
  let vision = A / (A + M + 1e-10)
  let language = M / (A + M + 1e-10)
  const r = meanOr0(attention, (s) => s.std) / (meanOr0(mlp, (s) => s.std) + 1e-10)
  if (r > 1) vision *= Math.min(1.5, r)
  else if (r > 1e-10) language *= Math.min(1.5, 1 / r)
  const total = vision + language + 1e-10
  vision /= total
  language /= total
  const importance = meanOr0(
    members.map((m) => m.d),
    (s) => s.importance,
  )
  return {vision, language, importance}
}

/**
 * Modality sensitivity and importance of one model per layer group (spec §4), over the paired
 * tensors (the only ones the streaming pass measures; the reference also counts a model's unpaired
 * tensors). Pairs with non-finite statistics are left out; a group left without tensors is absent.
 * Keys in natural order.
 */
export function computeSensitivity(pairs: readonly TensorPairStats[], model: 'source' | 'target'): SensitivityTable {
  const sorted = sortedByName(pairs)
  const groups = new Map<string, Array<{name: string; d: SideDerived}>>()
  for (const p of sorted) {
    const d = derivePair(p)
    if (d === null) continue
    const list = groups.get(p.group) ?? []
    list.push({name: p.name, d: d[model]})
    groups.set(p.group, list)
  }
  const out: SensitivityTable = {}
  for (const key of [...groups.keys()].sort(compareNatural)) out[key] = groupSensitivity(groups.get(key)!)
  return out
}
