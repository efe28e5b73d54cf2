// The transformer family as PyTorch code: Attention as F.scaled_dot_product_attention
// when it computes the op exactly (4-D or 3-D split into heads, causal, GQA, scale),
// otherwise rt.attention (masks, KV cache, softcap); RoPE, linear attention and the
// stateful causal conv as rt helpers; SwiGLU inline.

// RUN: ramiel-opt %s -t python | filecheck %s

// CHECK: y = F.scaled_dot_product_attention(q, k, v)
// CHECK-NEXT: causal = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.01)
// CHECK-NEXT: gqa = F.scaled_dot_product_attention(q_gqa, k, v, enable_gqa=True)
// CHECK-NEXT: y3 = F.scaled_dot_product_attention(q3.unflatten(-1, (4, -1)).transpose(1, 2), k3.unflatten(-1, (2, -1)).transpose(1, 2), v3.unflatten(-1, (2, -1)).transpose(1, 2), enable_gqa=True).transpose(1, 2).flatten(2)
// CHECK-NEXT: masked = rt.attention(q, k, v, attn_mask=mask)[0]
// CHECK-NEXT: capped, present_key, present_value = rt.attention(q, k, v, attn_mask=mask, past_key=past_key, past_value=past_value, softcap=2.0)[:3]
// CHECK-NEXT: rope = rt.rotary_embedding(q, cos, sin, pos, interleaved=True)
// CHECK-NEXT: lin, state = rt.linear_attention(q3, k3, v3, q_num_heads=4, kv_num_heads=2, update_rule='linear')
// CHECK-NEXT: conv, conv_state = rt.causal_conv_with_state(seq, conv_w, past_state=conv_past, activation='silu')
// CHECK-NEXT: glu = F.silu(a) * b
func.func @main(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %q_gqa: tensor<1x4x4x8xf32>, %q3: tensor<1x4x32xf32>, %k3: tensor<1x4x16xf32>, %v3: tensor<1x4x16xf32>, %mask: tensor<4x6xi1>, %past_key: tensor<1x2x3x8xf32>, %past_value: tensor<1x2x3x8xf32>, %cos: tensor<16x4xf32>, %sin: tensor<16x4xf32>, %pos: tensor<1x2xi64>, %seq: tensor<1x4x8xf32>, %conv_w: tensor<4x1x3xf32>, %conv_past: tensor<1x4x2xf32>, %a: tensor<2x8xf32>, %b: tensor<2x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x32xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x9x8xf32>, tensor<1x2x9x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x32xf32>, tensor<1x2x8x8xf32>, tensor<1x4x8xf32>, tensor<1x4x2xf32>, tensor<2x8xf32>) {
  %y = onnx.Attention(%q, %k, %v) : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32>
  %causal = onnx.Attention(%q, %k, %v) {is_causal = 1 : i64, scale = 0.01 : f32} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32>
  %gqa = onnx.Attention(%q_gqa, %k, %v) : (tensor<1x4x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>) -> tensor<1x4x4x8xf32>
  %y3 = onnx.Attention(%q3, %k3, %v3) {q_num_heads = 4 : i64, kv_num_heads = 2 : i64} : (tensor<1x4x32xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x32xf32>
  %masked = onnx.Attention(%q, %k, %v, %mask) : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<4x6xi1>) -> tensor<1x2x4x8xf32>
  %capped, %present_key, %present_value = onnx.Attention(%q, %k, %v, %mask, %past_key, %past_value) {softcap = 2.0 : f32} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<4x6xi1>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x9x8xf32>, tensor<1x2x9x8xf32>)
  %rope = onnx.RotaryEmbedding(%q, %cos, %sin, %pos) {interleaved = 1 : i64} : (tensor<1x2x4x8xf32>, tensor<16x4xf32>, tensor<16x4xf32>, tensor<1x2xi64>) -> tensor<1x2x4x8xf32>
  %lin, %state = onnx.LinearAttention(%q3, %k3, %v3) {q_num_heads = 4 : i64, kv_num_heads = 2 : i64, update_rule = "linear"} : (tensor<1x4x32xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> (tensor<1x4x32xf32>, tensor<1x2x8x8xf32>)
  %conv, %conv_state = onnx.CausalConvWithState(%seq, %conv_w, none, %conv_past) {activation = "silu"} : (tensor<1x4x8xf32>, tensor<4x1x3xf32>, tensor<1x4x2xf32>) -> (tensor<1x4x8xf32>, tensor<1x4x2xf32>)
  %glu = onnx.SwiGLU(%a, %b) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  func.return %y, %causal, %gqa, %y3, %masked, %capped, %present_key, %present_value, %rope, %lin, %state, %conv, %conv_state, %glu : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x32xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x9x8xf32>, tensor<1x2x9x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x32xf32>, tensor<1x2x8x8xf32>, tensor<1x4x8xf32>, tensor<1x4x2xf32>, tensor<2x8xf32>
}
