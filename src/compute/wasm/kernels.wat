;; Hot loops of the merge over bfloat16 data, in WebAssembly SIMD (4 elements per step). Inputs and
;; outputs live in the memory given to the instance, where the worker reads file chunks directly. Lengths are
;; multiples of 4 (callers pad or finish the tail themselves).
(module
  (import "env" "memory" (memory 1))

;; The float32 bit patterns of four float64 values (two per operand) rounded to float32, with an
  ;; exact float32 tie for bfloat16 nudged one unit toward the float64 value, so that bfloat16
  ;; rounding of the result (see $store_bf16) rounds the float64 value once.
  (func $nudged_f32 (param $xlo v128) (param $xhi v128) (result v128)
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
    (i32x4.add (i32x4.sub (local.get $r) (v128.and (local.get $lt) (local.get $tie))) (v128.and (local.get $gt) (local.get $tie))))

  ;; All-ones lanes where a float32 bit pattern is not finite.
  (func $not_finite (param $u v128) (result v128)
    (i32x4.eq (v128.and (local.get $u) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000)) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000)))

  ;; Four float32 bit patterns rounded to bfloat16 (nearest, ties to even), stored at $o.
  (func $store_bf16 (param $o i32) (param $u v128)
    (local.set $u (i32x4.shr_u
      (i32x4.add (i32x4.add (local.get $u) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff))
        (v128.and (i32x4.shr_u (local.get $u) (i32.const 16)) (v128.const i32x4 1 1 1 1)))
      (i32.const 16)))
    (v128.store64_lane align=2 0 (local.get $o) (i16x8.narrow_i32x4_u (local.get $u) (local.get $u))))

  ;; out = bf16(t + α(s − t)) rounded once from float64, as lerp-chunk.ts's float64 path computes it.
  ;; Returns 1 when an input or result is not finite (the caller redoes the chunk).
  (func (export "lerp_bf16") (param $t i32) (param $s i32) (param $o i32) (param $n i32) (param $alpha f64) (result i32)
    (local $i i32) (local $a v128) (local $tv v128) (local $sv v128) (local $tlo v128) (local $thi v128) (local $u v128) (local $special v128)
    (local.set $a (f64x2.splat (local.get $alpha)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $tv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $sv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $tlo (f64x2.promote_low_f32x4 (local.get $tv)))
        (local.set $thi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))))
        (local.set $u (call $nudged_f32
          (f64x2.add (local.get $tlo)
            (f64x2.mul (local.get $a) (f64x2.sub (f64x2.promote_low_f32x4 (local.get $sv)) (local.get $tlo))))
          (f64x2.add (local.get $thi)
            (f64x2.mul (local.get $a) (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sv) (local.get $sv))) (local.get $thi))))))
        (local.set $special (v128.or (local.get $special) (call $not_finite (local.get $u))))
        (call $store_bf16 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 1))) (local.get $u))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (v128.any_true (local.get $special)))

  ;; out = bf16(w + scale·d) rounded once from float64, for bfloat16 w and float32 d (a LoRA update).
  ;; Returns 1 when an input or result is not finite (the caller redoes the block).
  (func (export "add_scaled_bf16") (param $w i32) (param $d i32) (param $o i32) (param $n i32) (param $scale f64) (result i32)
    (local $i i32) (local $k v128) (local $wv v128) (local $dv v128) (local $u v128) (local $special v128)
    (local.set $k (f64x2.splat (local.get $scale)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $wv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $dv (v128.load align=4 (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $u (call $nudged_f32
          (f64x2.add (f64x2.promote_low_f32x4 (local.get $wv)) (f64x2.mul (local.get $k) (f64x2.promote_low_f32x4 (local.get $dv))))
          (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $wv) (local.get $wv)))
            (f64x2.mul (local.get $k) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $dv) (local.get $dv)))))))
        (local.set $special (v128.or (local.get $special) (call $not_finite (local.get $u))))
        (call $store_bf16 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 1))) (local.get $u))
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

  ;; Keep mask (one byte per value) of a magnitude band, for $n magnitudes at $m ($n even), in tensor
  ;; order. Above $upper (the value at the band's first rank) is dropped, and so are the first
  ;; $skipUpper values equal to it; below $lower (the value at the rank after the band) is dropped,
  ;; and so is every value equal to it after the first $keepLower. A missing end is +inf / −inf with
  ;; no ties to count. The counts of equal values seen so far carry over from chunk to chunk through
  ;; the two float64 slots at $seen. (NaN compares false everywhere, so it is kept, as in float64
  ;; JavaScript.) Two values at a time; a pair with a value equal to a cut is done one by one.
  (func (export "band_mask_f64") (param $m i32) (param $mask i32) (param $n i32) (param $upper f64) (param $skipUpper f64) (param $lower f64) (param $keepLower f64) (param $seen i32)
    (local $i i32) (local $j i32) (local $v v128) (local $up v128) (local $lo v128) (local $x f64) (local $keep i32) (local $seenUpper f64) (local $seenLower f64)
    (local.set $seenUpper (f64.load (local.get $seen)))
    (local.set $seenLower (f64.load offset=8 (local.get $seen)))
    (local.set $up (f64x2.splat (local.get $upper)))
    (local.set $lo (f64x2.splat (local.get $lower)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (v128.load align=8 (i32.add (local.get $m) (i32.shl (local.get $i) (i32.const 3)))))
        (if (v128.any_true (v128.or (f64x2.eq (local.get $v) (local.get $up)) (f64x2.eq (local.get $v) (local.get $lo))))
          (then
            (local.set $j (local.get $i))
            (loop $tie
              (local.set $x (f64.load (i32.add (local.get $m) (i32.shl (local.get $j) (i32.const 3)))))
              (local.set $keep (i32.const 1))
              (if (f64.gt (local.get $x) (local.get $upper))
                (then (local.set $keep (i32.const 0)))
                (else (if (f64.eq (local.get $x) (local.get $upper))
                  (then
                    (if (f64.lt (local.get $seenUpper) (local.get $skipUpper)) (then (local.set $keep (i32.const 0))))
                    (local.set $seenUpper (f64.add (local.get $seenUpper) (f64.const 1)))))))
              (if (f64.lt (local.get $x) (local.get $lower))
                (then (local.set $keep (i32.const 0)))
                (else (if (f64.eq (local.get $x) (local.get $lower))
                  (then
                    (if (f64.ge (local.get $seenLower) (local.get $keepLower)) (then (local.set $keep (i32.const 0))))
                    (local.set $seenLower (f64.add (local.get $seenLower) (f64.const 1)))))))
              (i32.store8 (i32.add (local.get $mask) (local.get $j)) (local.get $keep))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $tie (i32.lt_u (local.get $j) (i32.add (local.get $i) (i32.const 2))))))
          (else
            ;; kept (1) unless above the upper cut or below the lower one; the two 64-bit lanes' low bytes
            (v128.store16_lane align=1 0 (i32.add (local.get $mask) (local.get $i))
              (i8x16.shuffle 0 8 0 0 0 0 0 0 0 0 0 0 0 0 0 0
                (v128.andnot (v128.const i64x2 1 1) (v128.or (f64x2.gt (local.get $v) (local.get $up)) (f64x2.lt (local.get $v) (local.get $lo))))
                (local.get $v)))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (f64.store (local.get $seen) (local.get $seenUpper))
    (f64.store offset=8 (local.get $seen) (local.get $seenLower)))

  ;; A 32-bit integer hash with good avalanche (Wellons' lowbias32), four lanes at once.
  (func $lowbias32 (param $x v128) (result v128)
    (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))
    (local.set $x (i32x4.mul (local.get $x) (v128.const i32x4 0x7feb352d 0x7feb352d 0x7feb352d 0x7feb352d)))
    (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 15))))
    (local.set $x (i32x4.mul (local.get $x) (v128.const i32x4 0x846ca68b 0x846ca68b 0x846ca68b 0x846ca68b)))
    (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))

  ;; DARE's keep mask for the values at tensor indices $start … $start + $n − 1 (mod 2³²; $n a multiple
  ;; of 4): value i is kept when lowbias32(lowbias32(i ⊕ $k0) ⊕ $k1) < $below, as unsigned numbers.
  ;; A counter-based draw: the mask of an index depends on nothing else, so any chunking or thread
  ;; count gives the same bytes.
  (func (export "random_mask") (param $mask i32) (param $n i32) (param $start i32) (param $k0 i32) (param $k1 i32) (param $below i32)
    (local $i i32) (local $index v128) (local $keep v128)
    (local.set $index (i32x4.add (i32x4.splat (local.get $start)) (v128.const i32x4 0 1 2 3)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $keep (i32x4.lt_u
          (call $lowbias32 (v128.xor (call $lowbias32 (v128.xor (local.get $index) (i32x4.splat (local.get $k0)))) (i32x4.splat (local.get $k1))))
          (i32x4.splat (local.get $below))))
        ;; all-ones lanes → bytes 1
        (v128.store32_lane align=1 0 (i32.add (local.get $mask) (local.get $i))
          (v128.and (i8x16.narrow_i16x8_s (i16x8.narrow_i32x4_s (local.get $keep) (local.get $keep)) (local.get $keep)) (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)))
        (local.set $index (i32x4.add (local.get $index) (v128.const i32x4 4 4 4 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next))))

  ;; One source's term of the task-vector merge, added to the float64 sums at $acc ($n even):
  ;; acc = base + w·(kept ? (s − t)/$divisor : 0), where base is acc itself, or with $first the value
  ;; $base: −0 starts a sum with its first term exactly, +0 starts it from 0 (`total = 0; total += …`).
  (func (export "add_weighted_delta_bf16") (param $t i32) (param $s i32) (param $mask i32) (param $acc i32) (param $n i32) (param $w f64) (param $divisor f64) (param $first i32) (param $base f64)
    (local $i i32) (local $in i32) (local $at i32) (local $wv v128) (local $q v128) (local $b v128) (local $d v128) (local $divide i32) (local $x v128)
    (local.set $divide (f64.ne (local.get $divisor) (f64.const 1)))
    (local.set $wv (f64x2.splat (local.get $w)))
    (local.set $q (f64x2.splat (local.get $divisor)))
    (local.set $b (f64x2.splat (local.get $base)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $in (i32.shl (local.get $i) (i32.const 1)))
        (local.set $at (i32.add (local.get $acc) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $x (f64x2.sub
          (f64x2.promote_low_f32x4 (i32x4.shl (i32x4.extend_low_i16x8_u (v128.load32_zero align=2 (i32.add (local.get $s) (local.get $in)))) (i32.const 16)))
          (f64x2.promote_low_f32x4 (i32x4.shl (i32x4.extend_low_i16x8_u (v128.load32_zero align=2 (i32.add (local.get $t) (local.get $in)))) (i32.const 16)))))
        ;; w·(kept ? x/q : 0); x/1 is x, so a divisor of 1 skips the division
        (local.set $d (f64x2.mul (local.get $wv) (v128.and
          (if (result v128) (local.get $divide) (then (f64x2.div (local.get $x) (local.get $q))) (else (local.get $x)))
          ;; two mask bytes → two 64-bit lane masks
          (i64x2.ne (v128.const i64x2 0 0) (i64x2.extend_low_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
            (v128.load16_splat align=1 (i32.add (local.get $mask) (local.get $i))))))))))
        (v128.store align=8 (local.get $at) (f64x2.add (if (result v128) (local.get $first) (then (local.get $b)) (else (v128.load align=8 (local.get $at)))) (local.get $d)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next))))

  ;; TIES's sign election, one source at a time ($n even): with d = w·(kept ? (s − t)/$divisor : 0)
  ;; and the elected sign that of the total at $total (+ when ≥ 0), adds d to $sum and w to $weight
  ;; where d has that sign (both from 0 when $first). Adding +0 elsewhere changes nothing: the sums
  ;; start at +0 and only gain non-zero terms.
  (func (export "elect_bf16") (param $t i32) (param $s i32) (param $mask i32) (param $total i32) (param $sum i32) (param $weight i32) (param $n i32) (param $w f64) (param $divisor f64) (param $first i32)
    (local $i i32) (local $in i32) (local $at i32) (local $wv v128) (local $q v128) (local $d v128) (local $agree v128) (local $divide i32) (local $x v128)
    (local.set $divide (f64.ne (local.get $divisor) (f64.const 1)))
    (local.set $wv (f64x2.splat (local.get $w)))
    (local.set $q (f64x2.splat (local.get $divisor)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $in (i32.shl (local.get $i) (i32.const 1)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $x (f64x2.sub
          (f64x2.promote_low_f32x4 (i32x4.shl (i32x4.extend_low_i16x8_u (v128.load32_zero align=2 (i32.add (local.get $s) (local.get $in)))) (i32.const 16)))
          (f64x2.promote_low_f32x4 (i32x4.shl (i32x4.extend_low_i16x8_u (v128.load32_zero align=2 (i32.add (local.get $t) (local.get $in)))) (i32.const 16)))))
        ;; w·(kept ? x/q : 0); x/1 is x, so a divisor of 1 skips the division
        (local.set $d (f64x2.mul (local.get $wv) (v128.and
          (if (result v128) (local.get $divide) (then (f64x2.div (local.get $x) (local.get $q))) (else (local.get $x)))
          (i64x2.ne (v128.const i64x2 0 0) (i64x2.extend_low_i32x4_u (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
            (v128.load16_splat align=1 (i32.add (local.get $mask) (local.get $i))))))))))
        (local.set $agree (v128.bitselect
          (f64x2.gt (local.get $d) (v128.const f64x2 0 0)) (f64x2.lt (local.get $d) (v128.const f64x2 0 0))
          (f64x2.ge (v128.load align=8 (i32.add (local.get $total) (local.get $at))) (v128.const f64x2 0 0))))
        (v128.store align=8 (i32.add (local.get $sum) (local.get $at)) (f64x2.add
          (if (result v128) (local.get $first) (then (v128.const f64x2 0 0)) (else (v128.load align=8 (i32.add (local.get $sum) (local.get $at)))))
          (v128.and (local.get $d) (local.get $agree))))
        (v128.store align=8 (i32.add (local.get $weight) (local.get $at)) (f64x2.add
          (if (result v128) (local.get $first) (then (v128.const f64x2 0 0)) (else (v128.load align=8 (i32.add (local.get $weight) (local.get $at)))))
          (v128.and (local.get $wv) (local.get $agree))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next))))

  ;; out = bf16(t + c·(acc / q)) rounded once, $n a multiple of 4: q is $q, or with $weights ≠ 0 the
  ;; float64 at $weights per value, 1 where that is 0 (TIES's normalisation by the agreeing weights).
  ;; Returns 1 when a result is not finite.
  (func (export "finish_bf16") (param $t i32) (param $acc i32) (param $weights i32) (param $o i32) (param $n i32) (param $c f64) (param $q f64) (result i32)
    (local $i i32) (local $at i32) (local $tv v128) (local $cv v128) (local $qlo v128) (local $qhi v128) (local $u v128) (local $special v128)
    (local.set $cv (f64x2.splat (local.get $c)))
    (local.set $qlo (f64x2.splat (local.get $q)))
    (local.set $qhi (local.get $qlo))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (if (local.get $weights)
          (then
            (local.set $qlo (v128.load align=8 (i32.add (local.get $weights) (local.get $at))))
            (local.set $qlo (v128.bitselect (v128.const f64x2 1 1) (local.get $qlo) (f64x2.eq (local.get $qlo) (v128.const f64x2 0 0))))
            (local.set $qhi (v128.load offset=16 align=8 (i32.add (local.get $weights) (local.get $at))))
            (local.set $qhi (v128.bitselect (v128.const f64x2 1 1) (local.get $qhi) (f64x2.eq (local.get $qhi) (v128.const f64x2 0 0))))))
        (local.set $tv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $u (call $nudged_f32
          (f64x2.add (f64x2.promote_low_f32x4 (local.get $tv))
            (f64x2.mul (local.get $cv) (f64x2.div (v128.load align=8 (i32.add (local.get $acc) (local.get $at))) (local.get $qlo))))
          (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv)))
            (f64x2.mul (local.get $cv) (f64x2.div (v128.load offset=16 align=8 (i32.add (local.get $acc) (local.get $at))) (local.get $qhi))))))
        (local.set $special (v128.or (local.get $special) (call $not_finite (local.get $u))))
        (call $store_bf16 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 1))) (local.get $u))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (v128.any_true (local.get $special)))

  ;; SLERP's sums Σt², Σs², Σs·t over bf16 t and s, added one value after another (as slerp.ts does) to
  ;; the three float64 values at $res, which carry them from chunk to chunk.
  (func (export "slerp_sums_bf16") (param $t i32) (param $s i32) (param $n i32) (param $res i32)
    (local $i i32) (local $tv f64) (local $sv f64) (local $tt f64) (local $ss f64) (local $st f64) (local $at i32)
    (local.set $tt (f64.load (local.get $res)))
    (local.set $ss (f64.load offset=8 (local.get $res)))
    (local.set $st (f64.load offset=16 (local.get $res)))
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
    (local $i i32) (local $av v128) (local $bv v128) (local $tv v128) (local $sv v128) (local $u v128) (local $special v128)
    (local.set $av (f64x2.splat (local.get $a)))
    (local.set $bv (f64x2.splat (local.get $b)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $tv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $sv (i32x4.shl (v128.load16x4_u align=2 (i32.add (local.get $s) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $u (call $nudged_f32
          (f64x2.add (f64x2.mul (local.get $av) (f64x2.promote_low_f32x4 (local.get $tv))) (f64x2.mul (local.get $bv) (f64x2.promote_low_f32x4 (local.get $sv))))
          (f64x2.add
            (f64x2.mul (local.get $av) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $tv) (local.get $tv))))
            (f64x2.mul (local.get $bv) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sv) (local.get $sv)))))))
        (local.set $special (v128.or (local.get $special) (call $not_finite (local.get $u))))
        (call $store_bf16 (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 1))) (local.get $u))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (v128.any_true (local.get $special)))

  ;; Model Stock's Σ(a − t)², Σ(b − t)² and Σ(a − t)·(b − t) over one chunk of bf16 t, a and b, each from
  ;; 0 and one value after another (as model-stock.ts sums them), into the three float64 values at $res.
  (func (export "delta_dots_bf16") (param $t i32) (param $a i32) (param $b i32) (param $n i32) (param $res i32)
    (local $i i32) (local $at i32) (local $tv f64) (local $da f64) (local $db f64) (local $aa f64) (local $bb f64) (local $ab f64)
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
)
