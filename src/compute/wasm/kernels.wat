;; Hot loops of the merge over bfloat16 data, in WebAssembly SIMD (4 elements per step). Inputs and
;; outputs live in the memory given to the instance, where the worker reads file chunks directly. Lengths are
;; multiples of 4 (callers pad or finish the tail themselves).
(module
  (import "env" "memory" (memory 1))

;; Four float64 values (two per operand) rounded once to bfloat16 (nearest, ties to even) and stored
  ;; at $o; returns all-ones lanes where a result is not finite. They are rounded to float32 first,
  ;; with an exact float32 tie for bfloat16 nudged one unit toward the float64 value, so that the
  ;; bfloat16 rounding of the float32 value rounds the float64 value once. One call does it all:
  ;; V8 does not inline WebAssembly calls, and spills the caller's vectors around each.
  (func $store_rounded (param $o i32) (param $xlo v128) (param $xhi v128) (result v128)
    (local $r v128) (local $blo v128) (local $bhi v128) (local $lt v128) (local $gt v128) (local $tie v128)
    (local.set $r (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
      (f32x4.demote_f64x2_zero (local.get $xlo)) (f32x4.demote_f64x2_zero (local.get $xhi))))
    ;; back to float64 to see which way each value went
    (local.set $blo (f64x2.abs (f64x2.promote_low_f32x4 (local.get $r))))
    (local.set $bhi (f64x2.abs (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $r) (local.get $r)))))
    ;; 64-bit comparison masks narrowed to one 32-bit mask per element
    (local.set $lt (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
      (f64x2.lt (local.get $blo) (f64x2.abs (local.get $xlo))) (f64x2.lt (local.get $bhi) (f64x2.abs (local.get $xhi)))))
    (local.set $gt (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
      (f64x2.gt (local.get $blo) (f64x2.abs (local.get $xlo))) (f64x2.gt (local.get $bhi) (f64x2.abs (local.get $xhi)))))
    (local.set $tie (i32x4.eq (v128.and (local.get $r) (v128.const i32x4 0xffff 0xffff 0xffff 0xffff)) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)))
    ;; masks are −1: subtracting one adds 1 (rounded toward zero), adding the other subtracts 1
    (local.set $r (i32x4.add (i32x4.sub (local.get $r) (v128.and (local.get $lt) (local.get $tie))) (v128.and (local.get $gt) (local.get $tie))))
    ;; float32 → bfloat16, nearest, ties to even
    (v128.store64_lane align=2 0 (local.get $o) (i16x8.narrow_i32x4_u
      (i32x4.shr_u
        (i32x4.add (i32x4.add (local.get $r) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff))
          (v128.and (i32x4.shr_u (local.get $r) (i32.const 16)) (v128.const i32x4 1 1 1 1)))
        (i32.const 16))
      (local.get $r)))
    (i32x4.eq (v128.and (local.get $r) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000)) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000)))

  ;; out = bf16(t + α(s − t)) rounded once from float64, as lerp-chunk.ts's float64 path computes it.
  ;; Returns 1 when an input or result is not finite (the caller redoes the chunk).
  (func (export "lerp_bf16") (param $t i32) (param $s i32) (param $o i32) (param $n i32) (param $alpha f64) (result i32)
    (local $i i32) (local $a v128) (local $tv v128) (local $sv v128) (local $tlo v128) (local $thi v128) (local $special v128)
    (local.set $a (f64x2.splat (local.get $alpha)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $tv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $sv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $tlo (f64x2.promote_low_f32x4 (local.get $tv)))
        (local.set $thi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))))
        (local.set $special (v128.or (local.get $special) (call $store_rounded (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 1)))
          (f64x2.add (local.get $tlo)
            (f64x2.mul (local.get $a) (f64x2.sub (f64x2.promote_low_f32x4 (local.get $sv)) (local.get $tlo))))
          (f64x2.add (local.get $thi)
            (f64x2.mul (local.get $a) (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sv) (local.get $sv))) (local.get $thi)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (v128.any_true (local.get $special)))

  ;; out = bf16(w + scale·d) rounded once from float64, for bfloat16 w and float32 d (a LoRA update).
  ;; Returns 1 when an input or result is not finite (the caller redoes the block).
  (func (export "add_scaled_bf16") (param $w i32) (param $d i32) (param $o i32) (param $n i32) (param $scale f64) (result i32)
    (local $i i32) (local $k v128) (local $wv v128) (local $dv v128) (local $special v128)
    (local.set $k (f64x2.splat (local.get $scale)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $wv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $dv (v128.load align=4 (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $special (v128.or (local.get $special) (call $store_rounded (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 1)))
          (f64x2.add (f64x2.promote_low_f32x4 (local.get $wv)) (f64x2.mul (local.get $k) (f64x2.promote_low_f32x4 (local.get $dv))))
          (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $wv) (local.get $wv)))
            (f64x2.mul (local.get $k) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $dv) (local.get $dv))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (v128.any_true (local.get $special)))

  ;; 1 when one of the bfloat16 values at $p is not finite (all-ones exponent); $n is a multiple of 8.
  (func (export "any_nonfinite_bf16") (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $found v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $found (v128.or (local.get $found)
          (i16x8.eq (v128.and (v128.load align=2 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 1)))) (v128.const i16x8 0x7f80 0x7f80 0x7f80 0x7f80 0x7f80 0x7f80 0x7f80 0x7f80))
            (v128.const i16x8 0x7f80 0x7f80 0x7f80 0x7f80 0x7f80 0x7f80 0x7f80 0x7f80))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    (v128.any_true (local.get $found)))

  ;; Shifted sums of both tensors for their moments (see pair-chunk-moments.ts), written as seven
  ;; float64 values at $res: Σ(s−K_s), Σ(s−K_s)², Σ|s|, Σ(t−K_t), Σ(t−K_t)², Σ|t|, Σ s·t.
  (func (export "moments_bf16") (param $s i32) (param $t i32) (param $n i32) (param $shiftS f64) (param $shiftT f64) (param $res i32)
    (local $i i32) (local $ks v128) (local $kt v128) (local $sv v128) (local $tv v128)
    (local $slo v128) (local $shi v128) (local $tlo v128) (local $thi v128) (local $d v128)
    (local $sumS v128) (local $sqS v128) (local $absS v128) (local $sumT v128) (local $sqT v128) (local $absT v128) (local $dot v128)
    (local.set $ks (f64x2.splat (local.get $shiftS)))
    (local.set $kt (f64x2.splat (local.get $shiftT)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $tv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $slo (f64x2.promote_low_f32x4 (local.get $sv)))
        (local.set $shi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sv) (local.get $sv))))
        (local.set $tlo (f64x2.promote_low_f32x4 (local.get $tv)))
        (local.set $thi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))))
        (local.set $d (f64x2.sub (local.get $slo) (local.get $ks)))
        (local.set $sumS (f64x2.add (local.get $sumS) (local.get $d)))
        (local.set $sqS (f64x2.add (local.get $sqS) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $d (f64x2.sub (local.get $shi) (local.get $ks)))
        (local.set $sumS (f64x2.add (local.get $sumS) (local.get $d)))
        (local.set $sqS (f64x2.add (local.get $sqS) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $absS (f64x2.add (local.get $absS) (f64x2.add (f64x2.abs (local.get $slo)) (f64x2.abs (local.get $shi)))))
        (local.set $d (f64x2.sub (local.get $tlo) (local.get $kt)))
        (local.set $sumT (f64x2.add (local.get $sumT) (local.get $d)))
        (local.set $sqT (f64x2.add (local.get $sqT) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $d (f64x2.sub (local.get $thi) (local.get $kt)))
        (local.set $sumT (f64x2.add (local.get $sumT) (local.get $d)))
        (local.set $sqT (f64x2.add (local.get $sqT) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $absT (f64x2.add (local.get $absT) (f64x2.add (f64x2.abs (local.get $tlo)) (f64x2.abs (local.get $thi)))))
        (local.set $dot (f64x2.add (local.get $dot)
          (f64x2.add (f64x2.mul (local.get $slo) (local.get $tlo)) (f64x2.mul (local.get $shi) (local.get $thi)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (f64.store offset=0 (local.get $res) (f64.add (f64x2.extract_lane 0 (local.get $sumS)) (f64x2.extract_lane 1 (local.get $sumS))))
    (f64.store offset=8 (local.get $res) (f64.add (f64x2.extract_lane 0 (local.get $sqS)) (f64x2.extract_lane 1 (local.get $sqS))))
    (f64.store offset=16 (local.get $res) (f64.add (f64x2.extract_lane 0 (local.get $absS)) (f64x2.extract_lane 1 (local.get $absS))))
    (f64.store offset=24 (local.get $res) (f64.add (f64x2.extract_lane 0 (local.get $sumT)) (f64x2.extract_lane 1 (local.get $sumT))))
    (f64.store offset=32 (local.get $res) (f64.add (f64x2.extract_lane 0 (local.get $sqT)) (f64x2.extract_lane 1 (local.get $sqT))))
    (f64.store offset=40 (local.get $res) (f64.add (f64x2.extract_lane 0 (local.get $absT)) (f64x2.extract_lane 1 (local.get $absT))))
    (f64.store offset=48 (local.get $res) (f64.add (f64x2.extract_lane 0 (local.get $dot)) (f64x2.extract_lane 1 (local.get $dot)))))

  ;; ---- Task-vector methods, SLERP and Model Stock over bfloat16 (src/compute/task-vector.ts, slerp.ts,
  ;; model-stock.ts). Each computes exactly the float64 operations of the JavaScript loops it replaces,
  ;; in the same order, so the bytes written do not depend on which path ran. The loops work on two or
  ;; four values at a time and call few helpers: V8 does not inline WebAssembly calls, and a call per
  ;; value costs more than the arithmetic.

  ;; m = |s − t| in float64 for bfloat16 t and s, the magnitudes a rank selection counts; $n even.
  (func (export "abs_delta_bf16") (param $t i32) (param $s i32) (param $m i32) (param $n i32)
    (local $i i32) (local $in i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $in (i32.shl (local.get $i) (i32.const 1)))
        ;; two bf16 → the high halves of two float32 → two float64
        (v128.store align=8 (i32.add (local.get $m) (i32.shl (local.get $i) (i32.const 3))) (f64x2.abs (f64x2.sub
          (f64x2.promote_low_f32x4 (i32x4.shl (i32x4.extend_low_i16x8_u (v128.load32_zero align=2 (i32.add (local.get $s) (local.get $in)))) (i32.const 16)))
          (f64x2.promote_low_f32x4 (i32x4.shl (i32x4.extend_low_i16x8_u (v128.load32_zero align=2 (i32.add (local.get $t) (local.get $in)))) (i32.const 16))))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next))))

  ;; One radix-selection pass over $n non-negative float64 values at $m (their bit patterns order like
  ;; the values): of the values whose bits above $low + $width equal $prefixHi:$prefixLo, counts
  ;; bits [$low, $low + $width) in the uint32 histogram $hist, and sets byte $flags[digit] when a value
  ;; has a bit below $low, so a bucket whose flag stays 0 holds one value only (a bf16 difference has
  ;; few significant bits: usually the first pass settles the rank).
  ;; Values whose digit lies in [$keepFrom, $keepTo] are also kept at $kept, in order, while fewer than
  ;; $keepCap are there; the int32 at $keptCount counts them all (a guess at the wanted digit lets the
  ;; candidates be sorted without another pass).
  (func (export "histogram_f64") (param $m i32) (param $n i32) (param $low i32) (param $width i32) (param $prefixHi i32) (param $prefixLo i32) (param $hist i32) (param $flags i32)
      (param $keepFrom i32) (param $keepTo i32) (param $kept i32) (param $keepCap i32) (param $keptCount i32)
    (local $i i32) (local $x i64) (local $prefix i64) (local $above i64) (local $digitMask i64) (local $lowMask i64) (local $digit i32) (local $at i32) (local $count i32)
    (local.set $count (i32.load (local.get $keptCount)))
    (local.set $prefix (i64.or (i64.shl (i64.extend_i32_u (local.get $prefixHi)) (i64.const 32)) (i64.extend_i32_u (local.get $prefixLo))))
    (local.set $above (i64.extend_i32_u (i32.add (local.get $low) (local.get $width))))
    (local.set $digitMask (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $width))) (i64.const 1)))
    (local.set $lowMask (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $low))) (i64.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i64.load (i32.add (local.get $m) (i32.shl (local.get $i) (i32.const 3)))))
        (if (i64.eq (i64.shr_u (local.get $x) (local.get $above)) (local.get $prefix))
          (then
            (local.set $digit (i32.wrap_i64 (i64.and (i64.shr_u (local.get $x) (i64.extend_i32_u (local.get $low))) (local.get $digitMask))))
            (local.set $at (i32.add (local.get $hist) (i32.shl (local.get $digit) (i32.const 2))))
            (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
            (if (i64.ne (i64.and (local.get $x) (local.get $lowMask)) (i64.const 0))
              (then (i32.store8 (i32.add (local.get $flags) (local.get $digit)) (i32.const 1))))
            (if (i32.and (i32.ge_u (local.get $digit) (local.get $keepFrom)) (i32.le_u (local.get $digit) (local.get $keepTo)))
              (then
                (if (i32.lt_u (local.get $count) (local.get $keepCap))
                  (then (i64.store (i32.add (local.get $kept) (i32.shl (local.get $count) (i32.const 3))) (local.get $x))))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (local.get $keptCount) (local.get $count)))

  ;; Moves the values at $m whose bits above $low equal $prefixHi:$prefixLo to the front, in order; returns how many.
  (func (export "collect_f64") (param $m i32) (param $n i32) (param $low i32) (param $prefixHi i32) (param $prefixLo i32) (result i32)
    (local $i i32) (local $k i32) (local $x i64) (local $prefix i64)
    (local.set $prefix (i64.or (i64.shl (i64.extend_i32_u (local.get $prefixHi)) (i64.const 32)) (i64.extend_i32_u (local.get $prefixLo))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i64.load (i32.add (local.get $m) (i32.shl (local.get $i) (i32.const 3)))))
        (if (i64.eq (i64.shr_u (local.get $x) (i64.extend_i32_u (local.get $low))) (local.get $prefix))
          (then
            (i64.store (i32.add (local.get $m) (i32.shl (local.get $k) (i32.const 3))) (local.get $x))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $k))

  ;; `bracket_bf16`'s counts for $n float64 values at $m (those it collected): adds to the float64
  ;; counts at $counts how many are at most $hi (not NaN), equal to $hi and equal to $lo; moves those
  ;; strictly between to the front, in order, and returns how many. No branch per value: each is
  ;; stored where the next value between goes, which moves on past it when it is one.
  (func (export "bracket_values_f64") (param $m i32) (param $n i32) (param $lo f64) (param $hi f64) (param $counts i32) (result i32)
    (local $i i32) (local $k i32) (local $x f64) (local $le i32) (local $eqHi i32) (local $eqLo i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (f64.load (i32.add (local.get $m) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $le (i32.add (local.get $le) (f64.le (local.get $x) (local.get $hi))))
        (local.set $eqHi (i32.add (local.get $eqHi) (f64.eq (local.get $x) (local.get $hi))))
        (local.set $eqLo (i32.add (local.get $eqLo) (f64.eq (local.get $x) (local.get $lo))))
        (f64.store (i32.add (local.get $m) (i32.shl (local.get $k) (i32.const 3))) (local.get $x))
        (local.set $k (i32.add (local.get $k) (i32.and (f64.gt (local.get $x) (local.get $lo)) (f64.lt (local.get $x) (local.get $hi)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.store (local.get $counts) (f64.add (f64.load (local.get $counts)) (f64.convert_i32_u (local.get $le))))
    (f64.store offset=8 (local.get $counts) (f64.add (f64.load offset=8 (local.get $counts)) (f64.convert_i32_u (local.get $eqHi))))
    (f64.store offset=16 (local.get $counts) (f64.add (f64.load offset=16 (local.get $counts)) (f64.convert_i32_u (local.get $eqLo))))
    (local.get $k))

  ;; Moves the $n float64 values at $m that are at least $least, or NaN, to $out, in order, and the
  ;; others to the front of $m, in order; returns how many moved. No branch per value: each is stored
  ;; at both places, and only one of the two moves on past it.
  (func (export "split_f64") (param $m i32) (param $n i32) (param $least f64) (param $out i32) (result i32)
    (local $i i32) (local $j i32) (local $k i32) (local $x f64) (local $top i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (f64.load (i32.add (local.get $m) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $top (i32.eqz (f64.lt (local.get $x) (local.get $least))))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 3))) (local.get $x))
        (f64.store (i32.add (local.get $m) (i32.shl (local.get $j) (i32.const 3))) (local.get $x))
        (local.set $k (i32.add (local.get $k) (local.get $top)))
        (local.set $j (i32.add (local.get $j) (i32.xor (local.get $top) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $k))

  ;; One pass of a threshold search over |s − t| for $n bf16 pairs ($n a multiple of 8), for one bracket
  ;; [$lo, $hi] whose ends are float32 numbers: adds to three float64 counts at $counts how many values
  ;; are at most hi (not NaN: the caller counts the rest as above, NaN among them, its bits ordering
  ;; above every number), equal to hi and equal to lo; writes the values strictly between lo and hi at
  ;; $cand, in order, and returns how many. With $collect it also writes there every value at least
  ;; $least, and NaN (for a second bracket near the top, settled from those few: split_f64 parts the
  ;; two), in the same branch: both are rare. Eight values a step in float32, where s − t is exact: when
  ;; no two exponents differ by more than 15 (then s·2^g − t needs at most 23 bits); a step with such a
  ;; pair goes the float64 way. One bracket counted a call: a second one's vectors would not stay in registers.
  (func (export "bracket_bf16") (param $t i32) (param $s i32) (param $n i32) (param $lo f64) (param $hi f64) (param $counts i32) (param $cand i32)
      (param $collect i32) (param $least f64) (result i32)
    (local $i i32) (local $k i32) (local $tv v128) (local $sv v128) (local $tq v128) (local $sq v128) (local $d v128) (local $in v128)
    (local $l v128) (local $h v128) (local $le v128) (local $eqHi v128) (local $eqLo v128) (local $a v128)
    (local.set $l (f32x4.splat (f32.demote_f64 (local.get $lo))))
    (local.set $h (f32x4.splat (f32.demote_f64 (local.get $hi))))
    (local.set $a (f32x4.splat (f32.demote_f64 (local.get $least))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $tv (v128.load align=2 (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 1)))))
        (local.set $sv (v128.load align=2 (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 1)))))
        (if (v128.any_true (i16x8.gt_s
              (i16x8.abs (i16x8.sub
                (v128.and (i16x8.shr_u (local.get $sv) (i32.const 7)) (v128.const i16x8 255 255 255 255 255 255 255 255))
                (v128.and (i16x8.shr_u (local.get $tv) (i32.const 7)) (v128.const i16x8 255 255 255 255 255 255 255 255))))
              (v128.const i16x8 15 15 15 15 15 15 15 15)))
          (then
            (local.set $k (call $bracket_f64
              (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 1))) (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 1)))
              (local.get $lo) (local.get $hi) (local.get $counts) (local.get $cand) (local.get $k) (local.get $collect) (local.get $least))))
          (else
            ;; bf16 → float32 bits: each 16-bit value above 16 zero bits (the low four, then the high four)
            (local.set $sq (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $sv)))
            (local.set $tq (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $tv)))
            (local.set $sv (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $sv)))
            (local.set $tv (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $tv)))
            ;; each four written out, stores too (a loop over the two, or a call to store them, cost a fifth
            ;; more): comparison masks are −1, subtracting one counts one; with $collect, the values at
            ;; least $least (and NaN) are inside too; each lane inside is stored where the next value goes,
            ;; which moves on past the lanes inside: no branch per lane (a few values in a hundred are inside)
            (local.set $d (f32x4.abs (f32x4.sub (local.get $sq) (local.get $tq))))
            (local.set $le (i32x4.sub (local.get $le) (f32x4.le (local.get $d) (local.get $h))))
            (local.set $eqHi (i32x4.sub (local.get $eqHi) (f32x4.eq (local.get $d) (local.get $h))))
            (local.set $eqLo (i32x4.sub (local.get $eqLo) (f32x4.eq (local.get $d) (local.get $l))))
            (local.set $in (v128.and (f32x4.gt (local.get $d) (local.get $l)) (f32x4.lt (local.get $d) (local.get $h))))
            (if (local.get $collect)
              (then (local.set $in (v128.or (local.get $in) (v128.not (f32x4.lt (local.get $d) (local.get $a)))))))
            (if (v128.any_true (local.get $in))
              (then
                (f64.store (i32.add (local.get $cand) (i32.shl (local.get $k) (i32.const 3))) (f64.promote_f32 (f32x4.extract_lane 0 (local.get $d))))
                (local.set $k (i32.sub (local.get $k) (i32x4.extract_lane 0 (local.get $in))))
                (f64.store (i32.add (local.get $cand) (i32.shl (local.get $k) (i32.const 3))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $d))))
                (local.set $k (i32.sub (local.get $k) (i32x4.extract_lane 1 (local.get $in))))
                (f64.store (i32.add (local.get $cand) (i32.shl (local.get $k) (i32.const 3))) (f64.promote_f32 (f32x4.extract_lane 2 (local.get $d))))
                (local.set $k (i32.sub (local.get $k) (i32x4.extract_lane 2 (local.get $in))))
                (f64.store (i32.add (local.get $cand) (i32.shl (local.get $k) (i32.const 3))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $d))))
                (local.set $k (i32.sub (local.get $k) (i32x4.extract_lane 3 (local.get $in))))))
            (local.set $d (f32x4.abs (f32x4.sub (local.get $sv) (local.get $tv))))
            (local.set $le (i32x4.sub (local.get $le) (f32x4.le (local.get $d) (local.get $h))))
            (local.set $eqHi (i32x4.sub (local.get $eqHi) (f32x4.eq (local.get $d) (local.get $h))))
            (local.set $eqLo (i32x4.sub (local.get $eqLo) (f32x4.eq (local.get $d) (local.get $l))))
            (local.set $in (v128.and (f32x4.gt (local.get $d) (local.get $l)) (f32x4.lt (local.get $d) (local.get $h))))
            (if (local.get $collect)
              (then (local.set $in (v128.or (local.get $in) (v128.not (f32x4.lt (local.get $d) (local.get $a)))))))
            (if (v128.any_true (local.get $in))
              (then
                (f64.store (i32.add (local.get $cand) (i32.shl (local.get $k) (i32.const 3))) (f64.promote_f32 (f32x4.extract_lane 0 (local.get $d))))
                (local.set $k (i32.sub (local.get $k) (i32x4.extract_lane 0 (local.get $in))))
                (f64.store (i32.add (local.get $cand) (i32.shl (local.get $k) (i32.const 3))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $d))))
                (local.set $k (i32.sub (local.get $k) (i32x4.extract_lane 1 (local.get $in))))
                (f64.store (i32.add (local.get $cand) (i32.shl (local.get $k) (i32.const 3))) (f64.promote_f32 (f32x4.extract_lane 2 (local.get $d))))
                (local.set $k (i32.sub (local.get $k) (i32x4.extract_lane 2 (local.get $in))))
                (f64.store (i32.add (local.get $cand) (i32.shl (local.get $k) (i32.const 3))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $d))))
                (local.set $k (i32.sub (local.get $k) (i32x4.extract_lane 3 (local.get $in))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    (call $add_count4 (local.get $counts) (local.get $le))
    (call $add_count4 (i32.add (local.get $counts) (i32.const 8)) (local.get $eqHi))
    (call $add_count4 (i32.add (local.get $counts) (i32.const 16)) (local.get $eqLo))
    (local.get $k))

  ;; Adds the four int32 lanes of $v to the float64 at $at.
  (func $add_count4 (param $at i32) (param $v v128)
    (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
      (f64.convert_i32_s (i32.add (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
        (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v))))))))

  ;; `bracket_bf16` for one step of 8 values in float64, exact whatever the exponents: adds the counts
  ;; at $counts, writes the values between (with $collect, and those at least $least, and NaN) at $cand
  ;; from index $k, returns the next index.
  (func $bracket_f64 (param $t i32) (param $s i32) (param $lo f64) (param $hi f64) (param $counts i32) (param $cand i32) (param $k i32)
      (param $collect i32) (param $least f64) (result i32)
    (local $j i32) (local $m f64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (i32.const 8)))
        (local.set $m (f64.abs (f64.sub
          (f64.promote_f32 (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 1)))) (i32.const 16))))
          (f64.promote_f32 (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $t) (i32.shl (local.get $j) (i32.const 1)))) (i32.const 16)))))))
        (if (f64.le (local.get $m) (local.get $hi))
          (then (f64.store (local.get $counts) (f64.add (f64.load (local.get $counts)) (f64.const 1)))))
        (if (f64.eq (local.get $m) (local.get $hi))
          (then (f64.store offset=8 (local.get $counts) (f64.add (f64.load offset=8 (local.get $counts)) (f64.const 1)))))
        (if (f64.eq (local.get $m) (local.get $lo))
          (then (f64.store offset=16 (local.get $counts) (f64.add (f64.load offset=16 (local.get $counts)) (f64.const 1)))))
        (if (i32.or (i32.and (f64.gt (local.get $m) (local.get $lo)) (f64.lt (local.get $m) (local.get $hi)))
              (i32.and (local.get $collect) (i32.eqz (f64.lt (local.get $m) (local.get $least)))))
          (then
            (f64.store (i32.add (local.get $cand) (i32.shl (local.get $k) (i32.const 3))) (local.get $m))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
    (local.get $k))

  ;; How many of |s − t| for $n bf16 pairs ($n even) equal $upper and $lower: two float64 values at $res.
  (func (export "tie_counts_bf16") (param $t i32) (param $s i32) (param $n i32) (param $upper f64) (param $lower f64) (param $res i32)
    (local $i i32) (local $in i32) (local $m v128) (local $up v128) (local $lo v128) (local $eqUp v128) (local $eqLo v128)
    (local.set $up (f64x2.splat (local.get $upper)))
    (local.set $lo (f64x2.splat (local.get $lower)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $in (i32.shl (local.get $i) (i32.const 1)))
        (local.set $m (f64x2.abs (f64x2.sub
          (f64x2.promote_low_f32x4 (i32x4.shl (i32x4.extend_low_i16x8_u (v128.load32_zero align=2 (i32.add (local.get $s) (local.get $in)))) (i32.const 16)))
          (f64x2.promote_low_f32x4 (i32x4.shl (i32x4.extend_low_i16x8_u (v128.load32_zero align=2 (i32.add (local.get $t) (local.get $in)))) (i32.const 16))))))
        ;; masks are −1: subtracting one counts one
        (local.set $eqUp (i64x2.sub (local.get $eqUp) (f64x2.eq (local.get $m) (local.get $up))))
        (local.set $eqLo (i64x2.sub (local.get $eqLo) (f64x2.eq (local.get $m) (local.get $lo))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (f64.store (local.get $res) (f64.convert_i64_s (i64.add (i64x2.extract_lane 0 (local.get $eqUp)) (i64x2.extract_lane 1 (local.get $eqUp)))))
    (f64.store offset=8 (local.get $res) (f64.convert_i64_s (i64.add (i64x2.extract_lane 0 (local.get $eqLo)) (i64x2.extract_lane 1 (local.get $eqLo))))))

  ;; Keep mask (one byte per value) of a magnitude band, for $n magnitudes at $m ($n even), or with
  ;; $fromBf16 for |s − t| of the bf16 values at $t and $s, in tensor order. Above $upper (the value at
  ;; the band's first rank) is dropped, and so are the first $skipUpper values equal to it; below $lower
  ;; (the value at the rank after the band) is dropped, and so is every value equal to it after the
  ;; first $keepLower. A missing end is +inf / −inf with no ties to count. The counts of equal values
  ;; seen so far carry over from chunk to chunk through the two float64 slots at $seen. (NaN compares
  ;; false everywhere, so it is kept, as in float64 JavaScript.) Two values at a time, without a branch.
  ;; With $fast the caller knows every value equal to a cut is treated alike in these $n (kept or
  ;; dropped): values above $dropAbove or below $dropBelow are dropped, and the ties are only counted.
  ;; Otherwise a value equal to a cut is numbered by the count before it. (An odd $n only ends a
  ;; tensor: what the padding after it adds to the counts is never read.)
  (func (export "band_mask") (param $m i32) (param $t i32) (param $s i32) (param $fromBf16 i32) (param $mask i32) (param $n i32)
      (param $upper f64) (param $skipUpper f64) (param $lower f64) (param $keepLower f64) (param $seen i32)
      (param $fast i32) (param $dropAbove f64) (param $dropBelow f64)
    (local $i i32) (local $in i32) (local $v v128) (local $up v128) (local $lo v128) (local $skip v128) (local $keep v128)
    (local $above v128) (local $below v128) (local $high v128) (local $one v128)
    (local $seenUp v128) (local $seenLo v128) (local $eqUp v128) (local $eqLo v128) (local $drop v128)
    (local.set $seenUp (i64x2.splat (i64.trunc_f64_s (f64.load (local.get $seen)))))
    (local.set $seenLo (i64x2.splat (i64.trunc_f64_s (f64.load offset=8 (local.get $seen)))))
    (local.set $skip (i64x2.splat (i64.trunc_sat_f64_s (local.get $skipUpper))))
    (local.set $keep (i64x2.splat (i64.trunc_sat_f64_s (local.get $keepLower))))
    (local.set $one (v128.const i64x2 1 1))
    (local.set $high (v128.const i64x2 0 -1))
    (local.set $up (f64x2.splat (local.get $upper)))
    (local.set $lo (f64x2.splat (local.get $lower)))
    (local.set $above (f64x2.splat (local.get $dropAbove)))
    (local.set $below (f64x2.splat (local.get $dropBelow)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (local.get $fromBf16)
          (then
            (local.set $in (i32.shl (local.get $i) (i32.const 1)))
            (local.set $v (f64x2.abs (f64x2.sub
              (f64x2.promote_low_f32x4 (i32x4.shl (i32x4.extend_low_i16x8_u (v128.load32_zero align=2 (i32.add (local.get $s) (local.get $in)))) (i32.const 16)))
              (f64x2.promote_low_f32x4 (i32x4.shl (i32x4.extend_low_i16x8_u (v128.load32_zero align=2 (i32.add (local.get $t) (local.get $in)))) (i32.const 16)))))))
          (else (local.set $v (v128.load align=8 (i32.add (local.get $m) (i32.shl (local.get $i) (i32.const 3)))))))
        (local.set $eqUp (f64x2.eq (local.get $v) (local.get $up)))
        (local.set $eqLo (f64x2.eq (local.get $v) (local.get $lo)))
        (if (local.get $fast)
          (then
            (local.set $drop (v128.or (f64x2.gt (local.get $v) (local.get $above)) (f64x2.lt (local.get $v) (local.get $below)))))
          (else
            ;; equal to a cut: its number among the equal ones is the count before the pair, plus one
            ;; when the first value of the pair is equal too (masks are −1: subtracting one adds 1)
            (local.set $drop (v128.or
              (v128.or (f64x2.gt (local.get $v) (local.get $up)) (f64x2.lt (local.get $v) (local.get $lo)))
              (v128.or
                (v128.and (local.get $eqUp) (i64x2.lt_s
                  (i64x2.sub (local.get $seenUp) (v128.and (local.get $high) (i8x16.shuffle 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 (local.get $eqUp) (local.get $eqUp))))
                  (local.get $skip)))
                (v128.andnot (local.get $eqLo) (i64x2.lt_s
                  (i64x2.sub (local.get $seenLo) (v128.and (local.get $high) (i8x16.shuffle 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 (local.get $eqLo) (local.get $eqLo))))
                  (local.get $keep))))))))
        ;; the counts carry in both lanes
        (local.set $seenUp (i64x2.sub (local.get $seenUp)
          (i64x2.add (local.get $eqUp) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $eqUp) (local.get $eqUp)))))
        (local.set $seenLo (i64x2.sub (local.get $seenLo)
          (i64x2.add (local.get $eqLo) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $eqLo) (local.get $eqLo)))))
        ;; kept (1) unless dropped; the two 64-bit lanes' low bytes
        (v128.store16_lane align=1 0 (i32.add (local.get $mask) (local.get $i))
          (i8x16.shuffle 0 8 0 0 0 0 0 0 0 0 0 0 0 0 0 0 (v128.andnot (local.get $one) (local.get $drop)) (local.get $v)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (f64.store (local.get $seen) (f64.convert_i64_s (i64x2.extract_lane 0 (local.get $seenUp))))
    (f64.store offset=8 (local.get $seen) (f64.convert_i64_s (i64x2.extract_lane 0 (local.get $seenLo)))))

  ;; DARE's keep mask for the values at tensor indices $start … $start + $n − 1 (mod 2³²; $n a multiple
  ;; of 4): value i is kept when lowbias32(lowbias32(i ⊕ $k0) ⊕ $k1) < $below, as unsigned numbers, with
  ;; Wellons' lowbias32 hash x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16
  ;; (written out twice below: V8 does not inline a call). A counter-based draw: the mask of an index
  ;; depends on nothing else, so any chunking or thread count gives the same bytes.
  (func (export "random_mask") (param $mask i32) (param $n i32) (param $start i32) (param $k0 i32) (param $k1 i32) (param $below i32)
    (local $i i32) (local $index v128) (local $x v128) (local $key0 v128) (local $key1 v128) (local $limit v128)
    (local $m1 v128) (local $m2 v128) (local $four v128) (local $ones v128)
    (local.set $index (i32x4.add (i32x4.splat (local.get $start)) (v128.const i32x4 0 1 2 3)))
    (local.set $key0 (i32x4.splat (local.get $k0)))
    (local.set $key1 (i32x4.splat (local.get $k1)))
    (local.set $limit (i32x4.splat (local.get $below)))
    (local.set $m1 (v128.const i32x4 0x7feb352d 0x7feb352d 0x7feb352d 0x7feb352d))
    (local.set $m2 (v128.const i32x4 0x846ca68b 0x846ca68b 0x846ca68b 0x846ca68b))
    (local.set $four (v128.const i32x4 4 4 4 4))
    (local.set $ones (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (v128.xor (local.get $index) (local.get $key0)))
        (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))
        (local.set $x (i32x4.mul (local.get $x) (local.get $m1)))
        (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 15))))
        (local.set $x (i32x4.mul (local.get $x) (local.get $m2)))
        (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))
        (local.set $x (v128.xor (local.get $x) (local.get $key1)))
        (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))
        (local.set $x (i32x4.mul (local.get $x) (local.get $m1)))
        (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 15))))
        (local.set $x (i32x4.mul (local.get $x) (local.get $m2)))
        (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))
        ;; kept: all-ones lanes → bytes 1
        (local.set $x (i32x4.lt_u (local.get $x) (local.get $limit)))
        (v128.store32_lane align=1 0 (i32.add (local.get $mask) (local.get $i))
          (v128.and (i8x16.narrow_i16x8_s (i16x8.narrow_i32x4_s (local.get $x) (local.get $x)) (local.get $x)) (local.get $ones)))
        (local.set $index (i32x4.add (local.get $index) (local.get $four)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next))))

  ;; The task-vector merge of $n values (a multiple of 4) in one pass, the bf16 target at $t into
  ;; float64 at $o (round_bf16 then rounds them: a call per four values here would spill this loop's
  ;; vectors around it), for the $sources sources described at $params, 128 bytes each: the address of the source's
  ;; bf16 values (i32), of its keep mask (i32, a byte per value), wᵢ (f64 at 8), the divisor of its
  ;; kept entries (f64 at 16), and at 24 how it is thinned (i32): 0 by the mask, 2 not at all, 1 by a
  ;; band of |sᵢ − t| cut here: drop the values above the f64 at 32 or below the f64 at 40 (a band whose
  ;; ties are all treated alike in these values, see `band_mask`), adding the counts of values equal to
  ;; its upper cut (f64 at 48) and lower cut (f64 at 56) to the int64 lanes at 64 and 80.
  ;; With dᵢ = wᵢ·(kept ? (sᵢ − t)/divisorᵢ : 0): without $consensus,
  ;; mixed = ($base + d₀ + d₁ + …)/$divisor ($base −0 makes the sum start at d₀ exactly, +0 from 0);
  ;; with it, the elected sign is that of $base + d₀ + d₁ + … (+ when ≥ 0), and mixed is the sum from 0
  ;; of the dᵢ of that sign, divided with $normalize by the sum from 0 of their wᵢ (by 1 when none).
  ;; out = t + λ·mixed. The dᵢ of four values wait at $scratch (32 bytes a source) for the election. A division by a power of two is a multiplication by its reciprocal, exactly (both
  ;; round the same quotient once): by a source's divisor when the i32 at 28 says so (the reciprocal at
  ;; 96), and by $divisor with $exactDivisor.
  (func (export "task_vector_bf16") (param $t i32) (param $o i32) (param $n i32) (param $sources i32) (param $params i32) (param $scratch i32)
      (param $lambda f64) (param $divisor f64) (param $base f64) (param $consensus i32) (param $normalize i32) (param $exactDivisor i32)
    (local $i i32) (local $k i32) (local $p i32) (local $at i32) (local $q f64) (local $wv v128) (local $qv v128)
    (local $tv v128) (local $tlo v128) (local $thi v128) (local $sv v128) (local $keep v128) (local $dlo v128) (local $dhi v128)
    (local $alo v128) (local $ahi v128) (local $blo v128) (local $bhi v128) (local $clo v128) (local $chi v128)
    (local $plo v128) (local $phi v128) (local $agree v128) (local $lam v128)
    (local $keepLo v128) (local $keepHi v128) (local $mlo v128) (local $mhi v128) (local $cut v128)
    (local.set $lam (f64x2.splat (local.get $lambda)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $tv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $tlo (f64x2.promote_low_f32x4 (local.get $tv)))
        (local.set $thi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))))
        (local.set $alo (f64x2.splat (local.get $base)))
        (local.set $ahi (local.get $alo))
        (local.set $k (i32.const 0))
        (loop $term
          (local.set $p (i32.add (local.get $params) (i32.shl (local.get $k) (i32.const 7))))
          (local.set $sv (i32x4.shl (v128.load16x4_u align=2 (i32.add (i32.load (local.get $p)) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
          (local.set $wv (f64x2.splat (f64.load offset=8 (local.get $p))))
          (local.set $q (f64.load offset=16 (local.get $p)))
          (local.set $dlo (f64x2.sub (f64x2.promote_low_f32x4 (local.get $sv)) (local.get $tlo)))
          (local.set $dhi (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sv) (local.get $sv))) (local.get $thi)))
          (if (i32.eq (i32.load offset=24 (local.get $p)) (i32.const 1))
            (then
              ;; kept unless above or below the band (NaN is kept); ties at the cuts counted (masks are −1)
              (local.set $mlo (f64x2.abs (local.get $dlo)))
              (local.set $mhi (f64x2.abs (local.get $dhi)))
              (local.set $cut (f64x2.splat (f64.load offset=32 (local.get $p))))
              (local.set $keepLo (f64x2.gt (local.get $mlo) (local.get $cut)))
              (local.set $keepHi (f64x2.gt (local.get $mhi) (local.get $cut)))
              (local.set $cut (f64x2.splat (f64.load offset=40 (local.get $p))))
              (local.set $keepLo (v128.not (v128.or (local.get $keepLo) (f64x2.lt (local.get $mlo) (local.get $cut)))))
              (local.set $keepHi (v128.not (v128.or (local.get $keepHi) (f64x2.lt (local.get $mhi) (local.get $cut)))))
              (local.set $cut (f64x2.splat (f64.load offset=48 (local.get $p))))
              (v128.store offset=64 align=8 (local.get $p) (i64x2.sub (v128.load offset=64 align=8 (local.get $p))
                (i64x2.add (f64x2.eq (local.get $mlo) (local.get $cut)) (f64x2.eq (local.get $mhi) (local.get $cut)))))
              (local.set $cut (f64x2.splat (f64.load offset=56 (local.get $p))))
              (v128.store offset=80 align=8 (local.get $p) (i64x2.sub (v128.load offset=80 align=8 (local.get $p))
                (i64x2.add (f64x2.eq (local.get $mlo) (local.get $cut)) (f64x2.eq (local.get $mhi) (local.get $cut))))))
            (else (if (i32.load offset=24 (local.get $p))
              (then
                ;; every entry kept
                (local.set $keepLo (v128.const i64x2 -1 -1))
                (local.set $keepHi (v128.const i64x2 -1 -1)))
              (else
                ;; four mask bytes → four 32-bit lanes → two 64-bit lanes per half
                (local.set $keep (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero align=1 (i32.add (i32.load offset=4 (local.get $p)) (local.get $i))))))
                (local.set $keepLo (i64x2.ne (i64x2.extend_low_i32x4_u (local.get $keep)) (v128.const i64x2 0 0)))
                (local.set $keepHi (i64x2.ne (i64x2.extend_high_i32x4_u (local.get $keep)) (v128.const i64x2 0 0)))))))
          ;; x/1 is x, so a divisor of 1 skips the division; a power of two multiplies by its reciprocal
          (if (i32.load offset=28 (local.get $p))
            (then
              (local.set $qv (f64x2.splat (f64.load offset=96 (local.get $p))))
              (local.set $dlo (f64x2.mul (local.get $dlo) (local.get $qv)))
              (local.set $dhi (f64x2.mul (local.get $dhi) (local.get $qv))))
            (else (if (f64.ne (local.get $q) (f64.const 1))
              (then
                (local.set $qv (f64x2.splat (local.get $q)))
                (local.set $dlo (f64x2.div (local.get $dlo) (local.get $qv)))
                (local.set $dhi (f64x2.div (local.get $dhi) (local.get $qv)))))))
          (local.set $dlo (f64x2.mul (local.get $wv) (v128.and (local.get $dlo) (local.get $keepLo))))
          (local.set $dhi (f64x2.mul (local.get $wv) (v128.and (local.get $dhi) (local.get $keepHi))))
          (if (local.get $consensus)
            (then
              (local.set $at (i32.add (local.get $scratch) (i32.shl (local.get $k) (i32.const 5))))
              (v128.store align=8 (local.get $at) (local.get $dlo))
              (v128.store offset=16 align=8 (local.get $at) (local.get $dhi))))
          (local.set $alo (f64x2.add (local.get $alo) (local.get $dlo)))
          (local.set $ahi (f64x2.add (local.get $ahi) (local.get $dhi)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $term (i32.lt_u (local.get $k) (local.get $sources))))
        (if (local.get $consensus)
          (then
            ;; the agreeing terms' sum (b) and weight (c); adding +0 for the others changes nothing: the
            ;; sums start at +0 and only gain non-zero terms of one sign
            (local.set $plo (f64x2.ge (local.get $alo) (v128.const f64x2 0 0)))
            (local.set $phi (f64x2.ge (local.get $ahi) (v128.const f64x2 0 0)))
            (local.set $blo (v128.const f64x2 0 0))
            (local.set $bhi (v128.const f64x2 0 0))
            (local.set $clo (v128.const f64x2 0 0))
            (local.set $chi (v128.const f64x2 0 0))
            (local.set $k (i32.const 0))
            (loop $elect
              (local.set $at (i32.add (local.get $scratch) (i32.shl (local.get $k) (i32.const 5))))
              (local.set $wv (f64x2.splat (f64.load offset=8 (i32.add (local.get $params) (i32.shl (local.get $k) (i32.const 7))))))
              (local.set $dlo (v128.load align=8 (local.get $at)))
              (local.set $dhi (v128.load offset=16 align=8 (local.get $at)))
              (local.set $agree (v128.bitselect
                (f64x2.gt (local.get $dlo) (v128.const f64x2 0 0)) (f64x2.lt (local.get $dlo) (v128.const f64x2 0 0)) (local.get $plo)))
              (local.set $blo (f64x2.add (local.get $blo) (v128.and (local.get $dlo) (local.get $agree))))
              (local.set $clo (f64x2.add (local.get $clo) (v128.and (local.get $wv) (local.get $agree))))
              (local.set $agree (v128.bitselect
                (f64x2.gt (local.get $dhi) (v128.const f64x2 0 0)) (f64x2.lt (local.get $dhi) (v128.const f64x2 0 0)) (local.get $phi)))
              (local.set $bhi (f64x2.add (local.get $bhi) (v128.and (local.get $dhi) (local.get $agree))))
              (local.set $chi (f64x2.add (local.get $chi) (v128.and (local.get $wv) (local.get $agree))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $elect (i32.lt_u (local.get $k) (local.get $sources))))
            (local.set $alo (local.get $blo))
            (local.set $ahi (local.get $bhi))
            (if (local.get $normalize)
              (then
                (local.set $alo (f64x2.div (local.get $blo)
                  (v128.bitselect (v128.const f64x2 1 1) (local.get $clo) (f64x2.eq (local.get $clo) (v128.const f64x2 0 0)))))
                (local.set $ahi (f64x2.div (local.get $bhi)
                  (v128.bitselect (v128.const f64x2 1 1) (local.get $chi) (f64x2.eq (local.get $chi) (v128.const f64x2 0 0))))))))
          (else (if (local.get $exactDivisor)
            (then
              (local.set $alo (f64x2.mul (local.get $alo) (f64x2.splat (f64.div (f64.const 1) (local.get $divisor)))))
              (local.set $ahi (f64x2.mul (local.get $ahi) (f64x2.splat (f64.div (f64.const 1) (local.get $divisor))))))
            (else
              (local.set $alo (f64x2.div (local.get $alo) (f64x2.splat (local.get $divisor))))
              (local.set $ahi (f64x2.div (local.get $ahi) (f64x2.splat (local.get $divisor))))))))
        (v128.store align=8 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3))) (f64x2.add (local.get $tlo) (f64x2.mul (local.get $lam) (local.get $alo))))
        (v128.store offset=16 align=8 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3))) (f64x2.add (local.get $thi) (f64x2.mul (local.get $lam) (local.get $ahi))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    )

  ;; task_vector_bf16 for one source (the usual merge: a fine-tune into its base), with the source's
  ;; description read once and the operations that cannot change a value left out, so that it writes
  ;; the same values: −0 + d is d; with one term, the election keeps d when d > 0 or d < 0 (the elected
  ;; sign is d's own; 0 and NaN agree with neither), so the agreeing sum is d or +0 and the weight w or
  ;; +0, and mixed = d/w (normalised) or d where d agrees, +0 elsewhere; 1·x is x ($unitW, $unitLambda);
  ;; a division by a power of two is a multiplication by its reciprocal, exactly (both round the same
  ;; quotient once): by w when normalising ($exactW), by the source's divisor (at 96, when the i32 at
  ;; 28 says so) and by $divisor ($exactDivisor; 1 skips it). The ties at the band's cuts are counted
  ;; only with $countTies (the caller needs them until each cut's turn has passed).
  (func (export "task_vector1_bf16") (param $t i32) (param $o i32) (param $n i32) (param $params i32)
      (param $lambda f64) (param $divisor f64) (param $consensus i32) (param $normalize i32)
      (param $exactW i32) (param $exactDivisor i32) (param $unitW i32) (param $unitLambda i32) (param $countTies i32)
    (local $i i32) (local $in i32) (local $s i32) (local $mask i32) (local $mode i32) (local $scale i32) (local $divide i32) (local $mix i32)
    (local $wv v128) (local $qv v128) (local $rv v128) (local $rw v128) (local $lam v128) (local $div v128)
    (local $above v128) (local $below v128) (local $upper v128) (local $lower v128) (local $tiesUp v128) (local $tiesLo v128)
    (local $tv v128) (local $sv v128) (local $tlo v128) (local $thi v128) (local $dlo v128) (local $dhi v128)
    (local $mlo v128) (local $mhi v128) (local $keep v128) (local $keepLo v128) (local $keepHi v128)
    (local.set $s (i32.load (local.get $params)))
    (local.set $mask (i32.load offset=4 (local.get $params)))
    (local.set $wv (f64x2.splat (f64.load offset=8 (local.get $params))))
    (local.set $qv (f64x2.splat (f64.load offset=16 (local.get $params))))
    (local.set $divide (f64.ne (f64.load offset=16 (local.get $params)) (f64.const 1)))
    (local.set $mode (i32.load offset=24 (local.get $params)))
    (local.set $scale (i32.load offset=28 (local.get $params)))
    (local.set $rv (f64x2.splat (f64.load offset=96 (local.get $params))))
    (local.set $rw (f64x2.splat (f64.div (f64.const 1) (f64.load offset=8 (local.get $params)))))
    (local.set $above (f64x2.splat (f64.load offset=32 (local.get $params))))
    (local.set $below (f64x2.splat (f64.load offset=40 (local.get $params))))
    (local.set $upper (f64x2.splat (f64.load offset=48 (local.get $params))))
    (local.set $lower (f64x2.splat (f64.load offset=56 (local.get $params))))
    (local.set $lam (f64x2.splat (local.get $lambda)))
    ;; without consensus: 0 divides by $divisor, 1 multiplies by its reciprocal, 2 leaves d (a divisor of 1)
    (local.set $mix (if (result i32) (f64.eq (local.get $divisor) (f64.const 1)) (then (i32.const 2)) (else (local.get $exactDivisor))))
    (local.set $div (f64x2.splat (if (result f64) (local.get $exactDivisor) (then (f64.div (f64.const 1) (local.get $divisor))) (else (local.get $divisor)))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $in (i32.shl (local.get $i) (i32.const 1)))
        (local.set $tv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (local.get $in))) (i32.const 16)))
        (local.set $sv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $s) (local.get $in))) (i32.const 16)))
        (local.set $tlo (f64x2.promote_low_f32x4 (local.get $tv)))
        (local.set $thi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))))
        (local.set $dlo (f64x2.sub (f64x2.promote_low_f32x4 (local.get $sv)) (local.get $tlo)))
        (local.set $dhi (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sv) (local.get $sv))) (local.get $thi)))
        ;; the keep masks: a band (kept unless above or below it; NaN is kept), every entry, or the mask bytes
        (if (i32.eq (local.get $mode) (i32.const 1))
          (then
            (local.set $mlo (f64x2.abs (local.get $dlo)))
            (local.set $mhi (f64x2.abs (local.get $dhi)))
            (local.set $keepLo (v128.not (v128.or (f64x2.gt (local.get $mlo) (local.get $above)) (f64x2.lt (local.get $mlo) (local.get $below)))))
            (local.set $keepHi (v128.not (v128.or (f64x2.gt (local.get $mhi) (local.get $above)) (f64x2.lt (local.get $mhi) (local.get $below)))))
            (if (local.get $countTies)
              (then
                ;; masks are −1: subtracting one counts one
                (local.set $tiesUp (i64x2.sub (local.get $tiesUp) (i64x2.add (f64x2.eq (local.get $mlo) (local.get $upper)) (f64x2.eq (local.get $mhi) (local.get $upper)))))
                (local.set $tiesLo (i64x2.sub (local.get $tiesLo) (i64x2.add (f64x2.eq (local.get $mlo) (local.get $lower)) (f64x2.eq (local.get $mhi) (local.get $lower))))))))
          (else (if (i32.eq (local.get $mode) (i32.const 2))
            (then
              (local.set $keepLo (v128.const i64x2 -1 -1))
              (local.set $keepHi (v128.const i64x2 -1 -1)))
            (else
              (local.set $keep (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero align=1 (i32.add (local.get $mask) (local.get $i))))))
              (local.set $keepLo (i64x2.ne (i64x2.extend_low_i32x4_u (local.get $keep)) (v128.const i64x2 0 0)))
              (local.set $keepHi (i64x2.ne (i64x2.extend_high_i32x4_u (local.get $keep)) (v128.const i64x2 0 0)))))))
        (if (local.get $scale)
          (then
            (local.set $dlo (f64x2.mul (local.get $dlo) (local.get $rv)))
            (local.set $dhi (f64x2.mul (local.get $dhi) (local.get $rv))))
          (else (if (local.get $divide)
            (then
              (local.set $dlo (f64x2.div (local.get $dlo) (local.get $qv)))
              (local.set $dhi (f64x2.div (local.get $dhi) (local.get $qv)))))))
        ;; d = w·(kept ? x : 0)
        (local.set $dlo (v128.and (local.get $dlo) (local.get $keepLo)))
        (local.set $dhi (v128.and (local.get $dhi) (local.get $keepHi)))
        (if (i32.eqz (local.get $unitW))
          (then
            (local.set $dlo (f64x2.mul (local.get $wv) (local.get $dlo)))
            (local.set $dhi (f64x2.mul (local.get $wv) (local.get $dhi)))))
        (if (local.get $consensus)
          (then
            ;; where d agrees: d/w (normalised) or d; +0 elsewhere
            (local.set $keepLo (v128.or (f64x2.gt (local.get $dlo) (v128.const f64x2 0 0)) (f64x2.lt (local.get $dlo) (v128.const f64x2 0 0))))
            (local.set $keepHi (v128.or (f64x2.gt (local.get $dhi) (v128.const f64x2 0 0)) (f64x2.lt (local.get $dhi) (v128.const f64x2 0 0))))
            (if (local.get $normalize)
              (then (if (local.get $exactW)
                (then
                  (local.set $dlo (f64x2.mul (local.get $dlo) (local.get $rw)))
                  (local.set $dhi (f64x2.mul (local.get $dhi) (local.get $rw))))
                (else
                  (local.set $dlo (f64x2.div (local.get $dlo) (local.get $wv)))
                  (local.set $dhi (f64x2.div (local.get $dhi) (local.get $wv)))))))
            (local.set $dlo (v128.and (local.get $dlo) (local.get $keepLo)))
            (local.set $dhi (v128.and (local.get $dhi) (local.get $keepHi))))
          (else (if (i32.eqz (local.get $mix))
            (then
              (local.set $dlo (f64x2.div (local.get $dlo) (local.get $div)))
              (local.set $dhi (f64x2.div (local.get $dhi) (local.get $div))))
            (else (if (i32.eq (local.get $mix) (i32.const 1))
              (then
                (local.set $dlo (f64x2.mul (local.get $dlo) (local.get $div)))
                (local.set $dhi (f64x2.mul (local.get $dhi) (local.get $div)))))))))
        ;; t + λ·mixed
        (if (i32.eqz (local.get $unitLambda))
          (then
            (local.set $dlo (f64x2.mul (local.get $lam) (local.get $dlo)))
            (local.set $dhi (f64x2.mul (local.get $lam) (local.get $dhi)))))
        (v128.store align=8 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3))) (f64x2.add (local.get $tlo) (local.get $dlo)))
        (v128.store offset=16 align=8 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3))) (f64x2.add (local.get $thi) (local.get $dhi)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (v128.store offset=64 align=8 (local.get $params) (local.get $tiesUp))
    (v128.store offset=80 align=8 (local.get $params) (local.get $tiesLo)))

  ;; task_vector1_bf16 for a band with its cuts known (no ties to count) and a weight above 2⁻⁴⁰⁰ and
  ;; below 2⁴⁰⁰, in fewer operations; float64 results at $o. Kept: Δ with $below ≤ |Δ| ≤ $above (and NaN,
  ;; whose non-finite result sends the chunk to the slower path). With such a weight a kept Δ ≠ 0 gives
  ;; w·Δ ≠ 0, so consensus, which drops w·Δ = 0, is a $below of at least the least double; and a dropped
  ;; +0 keeps its sign through the positive factors. Then d·$w, d·$c, d ÷ $q, $lambda·d in that order,
  ;; each skipped when its factor is 1 (x·1 and x ÷ 1 are x): the same operations on every kept Δ.
  (func (export "band1_bf16") (param $t i32) (param $s i32) (param $o i32) (param $n i32) (param $above f64) (param $below f64)
      (param $w f64) (param $c f64) (param $q f64) (param $lambda f64)
    (local $i i32) (local $in i32) (local $byW i32) (local $byC i32) (local $byQ i32) (local $byLambda i32)
    (local $tv v128) (local $sv v128) (local $tlo v128) (local $thi v128) (local $dlo v128) (local $dhi v128) (local $mlo v128) (local $mhi v128)
    (local $av v128) (local $bv v128) (local $wv v128) (local $cv v128) (local $qv v128) (local $lv v128)
    (local.set $byW (f64.ne (local.get $w) (f64.const 1)))
    (local.set $byC (f64.ne (local.get $c) (f64.const 1)))
    (local.set $byQ (f64.ne (local.get $q) (f64.const 1)))
    (local.set $byLambda (f64.ne (local.get $lambda) (f64.const 1)))
    (local.set $av (f64x2.splat (local.get $above)))
    (local.set $bv (f64x2.splat (local.get $below)))
    (local.set $wv (f64x2.splat (local.get $w)))
    (local.set $cv (f64x2.splat (local.get $c)))
    (local.set $qv (f64x2.splat (local.get $q)))
    (local.set $lv (f64x2.splat (local.get $lambda)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $in (i32.shl (local.get $i) (i32.const 1)))
        (local.set $tv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (local.get $in))) (i32.const 16)))
        (local.set $sv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $s) (local.get $in))) (i32.const 16)))
        (local.set $tlo (f64x2.promote_low_f32x4 (local.get $tv)))
        (local.set $thi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))))
        (local.set $dlo (f64x2.sub (f64x2.promote_low_f32x4 (local.get $sv)) (local.get $tlo)))
        (local.set $dhi (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sv) (local.get $sv))) (local.get $thi)))
        (local.set $mlo (f64x2.abs (local.get $dlo)))
        (local.set $mhi (f64x2.abs (local.get $dhi)))
        (local.set $dlo (v128.andnot (local.get $dlo) (v128.or (f64x2.gt (local.get $mlo) (local.get $av)) (f64x2.lt (local.get $mlo) (local.get $bv)))))
        (local.set $dhi (v128.andnot (local.get $dhi) (v128.or (f64x2.gt (local.get $mhi) (local.get $av)) (f64x2.lt (local.get $mhi) (local.get $bv)))))
        (if (local.get $byW)
          (then
            (local.set $dlo (f64x2.mul (local.get $wv) (local.get $dlo)))
            (local.set $dhi (f64x2.mul (local.get $wv) (local.get $dhi)))))
        (if (local.get $byC)
          (then
            (local.set $dlo (f64x2.mul (local.get $dlo) (local.get $cv)))
            (local.set $dhi (f64x2.mul (local.get $dhi) (local.get $cv)))))
        (if (local.get $byQ)
          (then
            (local.set $dlo (f64x2.div (local.get $dlo) (local.get $qv)))
            (local.set $dhi (f64x2.div (local.get $dhi) (local.get $qv)))))
        (if (local.get $byLambda)
          (then
            (local.set $dlo (f64x2.mul (local.get $lv) (local.get $dlo)))
            (local.set $dhi (f64x2.mul (local.get $lv) (local.get $dhi)))))
        (v128.store align=8 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3))) (f64x2.add (local.get $tlo) (local.get $dlo)))
        (v128.store offset=16 align=8 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3))) (f64x2.add (local.get $thi) (local.get $dhi)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next))))

  ;; band1_bf16 with every factor 1 (one source at weight 1, λ 1), straight into bf16 at $o, 8 values a
  ;; step: t + Δ is then the source's value where Δ is kept and the target's where it is dropped, except
  ;; that a zero sum is +0; so the result is selected, with no arithmetic and no rounding. That holds
  ;; where s − t is exact, as it is in float32 (which the band is compared in: $above and $below are
  ;; float32 numbers with the same outcome as the float64 cuts) when the exponents differ by at most 15
  ;; or a value is zero. Returns 1, leaving $o unspecified, when a step has a pair outside that or a
  ;; value that is not finite: the caller then runs band1_bf16.
  (func (export "select1_bf16") (param $t i32) (param $s i32) (param $o i32) (param $n i32) (param $above f32) (param $below f32) (result i32)
    (local $i i32) (local $at i32) (local $tv v128) (local $sv v128) (local $te v128) (local $se v128) (local $d v128) (local $e v128)
    (local $drop v128) (local $r v128) (local $flag v128) (local $av v128) (local $bv v128)
    (local.set $av (f32x4.splat (local.get $above)))
    (local.set $bv (f32x4.splat (local.get $below)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 1)))
        (local.set $tv (v128.load align=2 (i32.add (local.get $t) (local.get $at))))
        (local.set $sv (v128.load align=2 (i32.add (local.get $s) (local.get $at))))
        (local.set $te (v128.and (i16x8.shr_u (local.get $tv) (i32.const 7)) (v128.const i16x8 255 255 255 255 255 255 255 255)))
        (local.set $se (v128.and (i16x8.shr_u (local.get $sv) (i32.const 7)) (v128.const i16x8 255 255 255 255 255 255 255 255)))
        (local.set $flag (v128.or (local.get $flag) (v128.or
          (v128.and (i16x8.gt_s (i16x8.abs (i16x8.sub (local.get $se) (local.get $te))) (v128.const i16x8 15 15 15 15 15 15 15 15))
            (v128.not (v128.or
              (i16x8.eq (v128.and (local.get $tv) (v128.const i16x8 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff)) (v128.const i16x8 0 0 0 0 0 0 0 0))
              (i16x8.eq (v128.and (local.get $sv) (v128.const i16x8 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff)) (v128.const i16x8 0 0 0 0 0 0 0 0)))))
          (v128.or (i16x8.eq (local.get $te) (v128.const i16x8 255 255 255 255 255 255 255 255))
            (i16x8.eq (local.get $se) (v128.const i16x8 255 255 255 255 255 255 255 255))))))
        ;; |Δ| of the low four and the high four, each 16-bit value above 16 zero bits (float32)
        (local.set $d (f32x4.abs (f32x4.sub
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $sv))
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (v128.const i32x4 0 0 0 0) (local.get $tv)))))
        (local.set $e (f32x4.abs (f32x4.sub
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $sv))
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (v128.const i32x4 0 0 0 0) (local.get $tv)))))
        (local.set $drop (i16x8.narrow_i32x4_s
          (v128.or (f32x4.gt (local.get $d) (local.get $av)) (f32x4.lt (local.get $d) (local.get $bv)))
          (v128.or (f32x4.gt (local.get $e) (local.get $av)) (f32x4.lt (local.get $e) (local.get $bv)))))
        (local.set $r (v128.bitselect (local.get $tv) (local.get $sv) (local.get $drop)))
        (v128.store align=2 (i32.add (local.get $o) (local.get $at))
          (v128.andnot (local.get $r)
            (i16x8.eq (v128.and (local.get $r) (v128.const i16x8 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff)) (v128.const i16x8 0 0 0 0 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    (v128.any_true (local.get $flag)))

  ;; Model Stock's merge, float64 results at $o (which round_bf16 rounds: a call to round each four
  ;; here costs more, the loop's vectors spilled around it): t + ratio·(sum/N) with sum = 0 + (s₀ − t) +
  ;; (s₁ − t) + … over N = $sources bf16 sources from $s, $stride bytes apart (the float64 operations of
  ;; task_vector_bf16 with weights and divisors of 1, every entry kept: 1·x is x). The sum is
  ;; multiplied by 1/N when N is a power of two ($exactDivisor), else divided by N.
  (func (export "model_stock_bf16") (param $t i32) (param $s i32) (param $stride i32) (param $o i32) (param $n i32) (param $sources i32)
      (param $ratio f64) (param $exactDivisor i32)
    (local $i i32) (local $k i32) (local $at i32) (local $tv v128) (local $sv v128) (local $tlo v128) (local $thi v128)
    (local $alo v128) (local $ahi v128) (local $lam v128) (local $q v128)
    (local.set $lam (f64x2.splat (local.get $ratio)))
    (local.set $q (f64x2.splat (if (result f64) (local.get $exactDivisor)
      (then (f64.div (f64.const 1) (f64.convert_i32_u (local.get $sources)))) (else (f64.convert_i32_u (local.get $sources))))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 1)))
        (local.set $tv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (local.get $at))) (i32.const 16)))
        (local.set $tlo (f64x2.promote_low_f32x4 (local.get $tv)))
        (local.set $thi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))))
        (local.set $alo (v128.const f64x2 0 0))
        (local.set $ahi (v128.const f64x2 0 0))
        (local.set $k (i32.const 0))
        (loop $term
          (local.set $sv (i32x4.shl (v128.load16x4_u align=2
            (i32.add (i32.add (local.get $s) (i32.mul (local.get $k) (local.get $stride))) (local.get $at))) (i32.const 16)))
          (local.set $alo (f64x2.add (local.get $alo) (f64x2.sub (f64x2.promote_low_f32x4 (local.get $sv)) (local.get $tlo))))
          (local.set $ahi (f64x2.add (local.get $ahi)
            (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sv) (local.get $sv))) (local.get $thi))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $term (i32.lt_u (local.get $k) (local.get $sources))))
        (if (local.get $exactDivisor)
          (then
            (local.set $alo (f64x2.mul (local.get $alo) (local.get $q)))
            (local.set $ahi (f64x2.mul (local.get $ahi) (local.get $q))))
          (else
            (local.set $alo (f64x2.div (local.get $alo) (local.get $q)))
            (local.set $ahi (f64x2.div (local.get $ahi) (local.get $q)))))
        (v128.store align=8 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3)))
          (f64x2.add (local.get $tlo) (f64x2.mul (local.get $lam) (local.get $alo))))
        (v128.store offset=16 align=8 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 3)))
          (f64x2.add (local.get $thi) (f64x2.mul (local.get $lam) (local.get $ahi))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next))))

  ;; The $n float64 values at $x (a multiple of 4) rounded once to bf16 at $o; 1 when one is not finite.
  (func (export "round_bf16") (param $x i32) (param $o i32) (param $n i32) (result i32)
    (local $i i32) (local $at i32) (local $special v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $special (v128.or (local.get $special) (call $store_rounded (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 1)))
          (v128.load align=8 (local.get $at)) (v128.load offset=16 align=8 (local.get $at)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (v128.any_true (local.get $special)))

;; SLERP's sums Σt², Σs², Σs·t over bf16 t and s, added one value after another (as slerp.ts does) to
  ;; the three float64 values at $res, which carry them from chunk to chunk. Four values a step: the
  ;; products two at a time, the sums still in order.
  (func (export "slerp_sums_bf16") (param $t i32) (param $s i32) (param $n i32) (param $res i32)
    (local $i i32) (local $tv f64) (local $sv f64) (local $tt f64) (local $ss f64) (local $st f64) (local $at i32)
    (local $t4 v128) (local $s4 v128) (local $tlo v128) (local $slo v128) (local $half i32) (local $x v128)
    (local.set $tt (f64.load (local.get $res)))
    (local.set $ss (f64.load offset=8 (local.get $res)))
    (local.set $st (f64.load offset=16 (local.get $res)))
    (block $four
      (loop $next4
        (br_if $four (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 1)))
        (local.set $t4 (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (local.get $at))) (i32.const 16)))
        (local.set $s4 (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $s) (local.get $at))) (i32.const 16)))
        (local.set $half (i32.const 0))
        (loop $pair
          (local.set $tlo (f64x2.promote_low_f32x4 (local.get $t4)))
          (local.set $slo (f64x2.promote_low_f32x4 (local.get $s4)))
          (local.set $x (f64x2.mul (local.get $tlo) (local.get $tlo)))
          (local.set $tt (f64.add (f64.add (local.get $tt) (f64x2.extract_lane 0 (local.get $x))) (f64x2.extract_lane 1 (local.get $x))))
          (local.set $x (f64x2.mul (local.get $slo) (local.get $slo)))
          (local.set $ss (f64.add (f64.add (local.get $ss) (f64x2.extract_lane 0 (local.get $x))) (f64x2.extract_lane 1 (local.get $x))))
          (local.set $x (f64x2.mul (local.get $slo) (local.get $tlo)))
          (local.set $st (f64.add (f64.add (local.get $st) (f64x2.extract_lane 0 (local.get $x))) (f64x2.extract_lane 1 (local.get $x))))
          (local.set $t4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $t4) (local.get $t4)))
          (local.set $s4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s4) (local.get $s4)))
          (local.set $half (i32.add (local.get $half) (i32.const 1)))
          (br_if $pair (i32.lt_u (local.get $half) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next4)))
    ;; the last values one at a time
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 1)))
        (local.set $tv (f64.promote_f32 (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $t) (local.get $at))) (i32.const 16)))))
        (local.set $sv (f64.promote_f32 (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $s) (local.get $at))) (i32.const 16)))))
        (local.set $tt (f64.add (local.get $tt) (f64.mul (local.get $tv) (local.get $tv))))
        (local.set $ss (f64.add (local.get $ss) (f64.mul (local.get $sv) (local.get $sv))))
        (local.set $st (f64.add (local.get $st) (f64.mul (local.get $sv) (local.get $tv))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.store (local.get $res) (local.get $tt))
    (f64.store offset=8 (local.get $res) (local.get $ss))
    (f64.store offset=16 (local.get $res) (local.get $st)))

  ;; out = bf16(a·t + b·s) rounded once from float64 (SLERP's weighted sum); $n a multiple of 4.
  ;; Returns 1 when a result is not finite.
  (func (export "mix_bf16") (param $t i32) (param $s i32) (param $o i32) (param $n i32) (param $a f64) (param $b f64) (result i32)
    (local $i i32) (local $av v128) (local $bv v128) (local $tv v128) (local $sv v128) (local $special v128)
    (local.set $av (f64x2.splat (local.get $a)))
    (local.set $bv (f64x2.splat (local.get $b)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $tv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $sv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $special (v128.or (local.get $special) (call $store_rounded (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 1)))
          (f64x2.add (f64x2.mul (local.get $av) (f64x2.promote_low_f32x4 (local.get $tv))) (f64x2.mul (local.get $bv) (f64x2.promote_low_f32x4 (local.get $sv))))
          (f64x2.add
            (f64x2.mul (local.get $av) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))))
            (f64x2.mul (local.get $bv) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sv) (local.get $sv))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (v128.any_true (local.get $special)))

  ;; Model Stock's Σ(a − t)², Σ(b − t)² and Σ(a − t)·(b − t) over one chunk of bf16 t, a and b, each from
  ;; 0 and one value after another (as model-stock.ts sums them), into the three float64 values at $res.
  ;; Four values a step: the differences and products two at a time, the sums still in order (the
  ;; three chains of additions, one value after another, set the pace).
  (func (export "delta_dots_bf16") (param $t i32) (param $a i32) (param $b i32) (param $n i32) (param $res i32)
    (local $i i32) (local $at i32) (local $tv f64) (local $da f64) (local $db f64) (local $aa f64) (local $bb f64) (local $ab f64)
    (local $t4 v128) (local $a4 v128) (local $b4 v128) (local $tlo v128) (local $dalo v128) (local $dahi v128) (local $dblo v128) (local $dbhi v128)
    (local $x v128)
    (block $four
      (loop $next4
        (br_if $four (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 1)))
        (local.set $t4 (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (local.get $at))) (i32.const 16)))
        (local.set $a4 (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $a) (local.get $at))) (i32.const 16)))
        (local.set $b4 (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $b) (local.get $at))) (i32.const 16)))
        (local.set $tlo (f64x2.promote_low_f32x4 (local.get $t4)))
        (local.set $dalo (f64x2.sub (f64x2.promote_low_f32x4 (local.get $a4)) (local.get $tlo)))
        (local.set $dblo (f64x2.sub (f64x2.promote_low_f32x4 (local.get $b4)) (local.get $tlo)))
        (local.set $tlo (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $t4) (local.get $t4))))
        (local.set $dahi (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a4) (local.get $a4))) (local.get $tlo)))
        (local.set $dbhi (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $b4) (local.get $b4))) (local.get $tlo)))
        (local.set $x (f64x2.mul (local.get $dalo) (local.get $dalo)))
        (local.set $aa (f64.add (f64.add (local.get $aa) (f64x2.extract_lane 0 (local.get $x))) (f64x2.extract_lane 1 (local.get $x))))
        (local.set $x (f64x2.mul (local.get $dblo) (local.get $dblo)))
        (local.set $bb (f64.add (f64.add (local.get $bb) (f64x2.extract_lane 0 (local.get $x))) (f64x2.extract_lane 1 (local.get $x))))
        (local.set $x (f64x2.mul (local.get $dalo) (local.get $dblo)))
        (local.set $ab (f64.add (f64.add (local.get $ab) (f64x2.extract_lane 0 (local.get $x))) (f64x2.extract_lane 1 (local.get $x))))
        (local.set $x (f64x2.mul (local.get $dahi) (local.get $dahi)))
        (local.set $aa (f64.add (f64.add (local.get $aa) (f64x2.extract_lane 0 (local.get $x))) (f64x2.extract_lane 1 (local.get $x))))
        (local.set $x (f64x2.mul (local.get $dbhi) (local.get $dbhi)))
        (local.set $bb (f64.add (f64.add (local.get $bb) (f64x2.extract_lane 0 (local.get $x))) (f64x2.extract_lane 1 (local.get $x))))
        (local.set $x (f64x2.mul (local.get $dahi) (local.get $dbhi)))
        (local.set $ab (f64.add (f64.add (local.get $ab) (f64x2.extract_lane 0 (local.get $x))) (f64x2.extract_lane 1 (local.get $x))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next4)))
    ;; the last values one at a time
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 1)))
        (local.set $tv (f64.promote_f32 (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $t) (local.get $at))) (i32.const 16)))))
        (local.set $da (f64.sub (f64.promote_f32 (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $a) (local.get $at))) (i32.const 16)))) (local.get $tv)))
        (local.set $db (f64.sub (f64.promote_f32 (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $b) (local.get $at))) (i32.const 16)))) (local.get $tv)))
        (local.set $aa (f64.add (local.get $aa) (f64.mul (local.get $da) (local.get $da))))
        (local.set $bb (f64.add (local.get $bb) (f64.mul (local.get $db) (local.get $db))))
        (local.set $ab (f64.add (local.get $ab) (f64.mul (local.get $da) (local.get $db))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.store (local.get $res) (local.get $aa))
    (f64.store offset=8 (local.get $res) (local.get $bb))
    (f64.store offset=16 (local.get $res) (local.get $ab)))

  ;; `delta_dots_bf16` of two chunks at once ($t, $a, $b and $t2, $a2, $b2, $n values each, a multiple
  ;; of 4), each chunk's sums added one value after another as there: lane 0 of each float64 pair is
  ;; the first chunk's, lane 1 the second's. The three sums are chains of additions, each waiting for
  ;; the one before; two chunks' chains side by side take the time of one. At $res: Σ(a − t)², Σ(b − t)²
  ;; and Σ(a − t)(b − t), each a pair (first chunk, second chunk).
  (func (export "delta_dots2_bf16") (param $t i32) (param $a i32) (param $b i32) (param $t2 i32) (param $a2 i32) (param $b2 i32) (param $n i32) (param $res i32)
    (local $i i32) (local $at i32) (local $t4 v128) (local $a4 v128) (local $b4 v128) (local $u4 v128) (local $c4 v128) (local $d4 v128)
    (local $tlo v128) (local $ulo v128) (local $da1 v128) (local $db1 v128) (local $da2 v128) (local $db2 v128) (local $x v128) (local $y v128)
    (local $aa v128) (local $bb v128) (local $ab v128) (local $half i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 1)))
        (local.set $t4 (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (local.get $at))) (i32.const 16)))
        (local.set $a4 (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $a) (local.get $at))) (i32.const 16)))
        (local.set $b4 (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $b) (local.get $at))) (i32.const 16)))
        (local.set $u4 (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t2) (local.get $at))) (i32.const 16)))
        (local.set $c4 (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $a2) (local.get $at))) (i32.const 16)))
        (local.set $d4 (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $b2) (local.get $at))) (i32.const 16)))
        ;; the low two values of each chunk, then the high two
        (local.set $half (i32.const 0))
        (loop $pair
          (local.set $tlo (f64x2.promote_low_f32x4 (local.get $t4)))
          (local.set $ulo (f64x2.promote_low_f32x4 (local.get $u4)))
          (local.set $da1 (f64x2.sub (f64x2.promote_low_f32x4 (local.get $a4)) (local.get $tlo)))
          (local.set $db1 (f64x2.sub (f64x2.promote_low_f32x4 (local.get $b4)) (local.get $tlo)))
          (local.set $da2 (f64x2.sub (f64x2.promote_low_f32x4 (local.get $c4)) (local.get $ulo)))
          (local.set $db2 (f64x2.sub (f64x2.promote_low_f32x4 (local.get $d4)) (local.get $ulo)))
          ;; value 0 of both chunks, then value 1
          (local.set $x (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $da1) (local.get $da2)))
          (local.set $y (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $db1) (local.get $db2)))
          (local.set $aa (f64x2.add (local.get $aa) (f64x2.mul (local.get $x) (local.get $x))))
          (local.set $bb (f64x2.add (local.get $bb) (f64x2.mul (local.get $y) (local.get $y))))
          (local.set $ab (f64x2.add (local.get $ab) (f64x2.mul (local.get $x) (local.get $y))))
          (local.set $x (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $da1) (local.get $da2)))
          (local.set $y (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $db1) (local.get $db2)))
          (local.set $aa (f64x2.add (local.get $aa) (f64x2.mul (local.get $x) (local.get $x))))
          (local.set $bb (f64x2.add (local.get $bb) (f64x2.mul (local.get $y) (local.get $y))))
          (local.set $ab (f64x2.add (local.get $ab) (f64x2.mul (local.get $x) (local.get $y))))
          (local.set $t4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $t4) (local.get $t4)))
          (local.set $a4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a4) (local.get $a4)))
          (local.set $b4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $b4) (local.get $b4)))
          (local.set $u4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $u4) (local.get $u4)))
          (local.set $c4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c4) (local.get $c4)))
          (local.set $d4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d4) (local.get $d4)))
          (local.set $half (i32.add (local.get $half) (i32.const 1)))
          (br_if $pair (i32.lt_u (local.get $half) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (v128.store align=8 (local.get $res) (local.get $aa))
    (v128.store offset=16 align=8 (local.get $res) (local.get $bb))
    (v128.store offset=32 align=8 (local.get $res) (local.get $ab)))
)
