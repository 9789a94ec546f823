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
)
