"""Small causal LMs of several transformers families, with random weights,
for the generation tests: each is exported by qkvtie's frontend
(torch-mlir) as `forward(input_ids, attention_mask) -> logits`, and
transformers' own `generate()` (eager attention, its KV cache) gives the
reference tokens and logits.

A family's `tie` makes the values a copy of the keys (Q-K=V): the same
module where the model has separate projections, bit-equal rows of the
fused projection where it has one."""
import torch

SEQ, VOCAB = 8, 256


def _tie_rows(weight, bias, k, v):
    """Rows `v` of a fused [out, in] projection become rows `k`."""
    with torch.no_grad():
        weight[v] = weight[k]
        if bias is not None:
            bias[v] = bias[k]


def _phi3(transformers, kv_heads, partial=1.0):
    cfg = transformers.Phi3Config(
        vocab_size=VOCAB, hidden_size=128, intermediate_size=256,
        num_hidden_layers=2, num_attention_heads=8, num_key_value_heads=kv_heads,
        max_position_embeddings=512, pad_token_id=0, partial_rotary_factor=partial)

    def tie(model):
        hd = 128 // 8
        for layer in model.model.layers:
            qkv = layer.self_attn.qkv_proj
            q, kv = 8 * hd, kv_heads * hd
            _tie_rows(qkv.weight, qkv.bias, slice(q, q + kv), slice(q + kv, q + 2 * kv))
    return cfg, tie


def _bigcode(transformers):
    cfg = transformers.GPTBigCodeConfig(vocab_size=VOCAB, n_embd=128, n_layer=2,
                                        n_head=8, n_positions=512, multi_query=True)

    def tie(model):
        # c_attn's output is [q (128), k (16), v (16)].
        for block in model.transformer.h:
            c = block.attn.c_attn
            _tie_rows(c.weight, c.bias, slice(128, 144), slice(144, 160))
    return cfg, tie


def _neox(transformers):
    cfg = transformers.GPTNeoXConfig(vocab_size=VOCAB, hidden_size=128,
                                     intermediate_size=256, num_hidden_layers=2,
                                     num_attention_heads=8, rotary_pct=0.25,
                                     max_position_embeddings=512)

    def tie(model):
        # query_key_value's output is [H, 3, d]: per head, v's rows = k's.
        hd = 16
        for layer in model.gpt_neox.layers:
            qkv = layer.attention.query_key_value
            for h in range(8):
                base = h * 3 * hd
                _tie_rows(qkv.weight, qkv.bias, slice(base + hd, base + 2 * hd),
                          slice(base + 2 * hd, base + 3 * hd))
    return cfg, tie


def _qwen3(transformers, kv_heads):
    cfg = transformers.Qwen3Config(
        vocab_size=VOCAB, hidden_size=128, intermediate_size=256,
        num_hidden_layers=2, num_attention_heads=8, num_key_value_heads=kv_heads,
        head_dim=16, max_position_embeddings=512)

    def tie(model):
        for layer in model.model.layers:
            layer.self_attn.v_proj = layer.self_attn.k_proj
    return cfg, tie


# name -> (make(transformers) -> (config, tie), features)
FAMILIES = {
    "phi3-fused-qkv-gqa": (lambda t: _phi3(t, 2), "fused qkv, GQA 8/2"),
    "gpt-bigcode-mqa": (_bigcode, "fused c_attn, MQA 8/1, learned positions"),
    "phi3-partial-rotary": (lambda t: _phi3(t, 2, partial=0.5),
                            "fused qkv, GQA 8/2, RoPE on half of each head"),
    "qwen3-qk-norm-mqa": (lambda t: _qwen3(t, 1), "QK-norm, MQA 8/1"),
    "gpt-neox-interleaved-qkv": (_neox, "per-head interleaved fused qkv, RoPE on "
                                        "a quarter of each head, parallel residual"),
}


def build(name, tied, seed=0):
    """(torch module forward(ids, mask) -> logits, the HF model, prompt)."""
    import transformers
    make, _ = FAMILIES[name]
    torch.manual_seed(seed)
    cfg, tie = make(transformers)
    cfg._attn_implementation = "eager"
    model = transformers.AutoModelForCausalLM.from_config(cfg).eval()
    if tied:
        tie(model)
    # torch-mlir exports parameters and persistent buffers only.
    for m in model.modules():
        m._non_persistent_buffers_set.clear()
    prompt = torch.randint(1, VOCAB, (1, SEQ))

    class Logits(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, ids, mask):
            return self.m(input_ids=ids, attention_mask=mask, use_cache=False).logits

    return Logits(model), model, prompt


def reference(model, prompt, new_tokens):
    """transformers.generate(), greedy with its KV cache: (new ids, logits
    [N, vocab] that chose them)."""
    with torch.no_grad():
        out = model.generate(prompt, attention_mask=torch.ones_like(prompt),
                             max_new_tokens=new_tokens, do_sample=False,
                             output_logits=True, return_dict_in_generate=True,
                             use_cache=True, pad_token_id=0)
    new = out.sequences[0, prompt.shape[1]:].numpy()
    logits = torch.cat(out.logits, dim=0).float().numpy()
    return new, logits
