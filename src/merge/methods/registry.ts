import {breadcrumbs} from './breadcrumbs'
import {cmaam} from './cmaam'
import {dareLinear, dareTies} from './dare'
import {keepSource, keepTarget} from './keep'
import {linear} from './linear'
import {modelStock} from './model-stock'
import {slerp} from './slerp'
import {taskArithmetic} from './task-arithmetic'
import {ties} from './ties'
import type {MergeMethod, MethodName} from './types'

/** Every merge method, by the name `--method` takes. */
export const MERGE_METHODS: Readonly<Record<MethodName, MergeMethod>> = {
  cmaam,
  linear,
  task_arithmetic: taskArithmetic,
  ties,
  dare_linear: dareLinear,
  dare_ties: dareTies,
  breadcrumbs,
  slerp,
  model_stock: modelStock,
  'keep-target': keepTarget,
  'keep-source': keepSource,
}
