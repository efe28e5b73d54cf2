"""Lowerings of the control operators: If, Loop, Scan, sequences, optionals, random.

Subgraphs become nested functions (`Emit.subgraph`) defined just before the op's
line; they read the values of the enclosing function through Python closures. At
run time a `!onnx.seq<...>` value is a Python list of tensors (never changed in
place: sequence ops build new lists) and a `!onnx.opt<...>` value is None or the
value.
"""

from __future__ import annotations

from ramiel.dialects.onnx_ops import (
    BernoulliOp,
    ConcatFromSequenceOp,
    IfOp,
    LoopOp,
    MultinomialOp,
    OptionalGetElementOp,
    OptionalHasElementOp,
    OptionalOp,
    RandomNormalLikeOp,
    RandomNormalOp,
    RandomUniformLikeOp,
    RandomUniformOp,
    ScanOp,
    SequenceAtOp,
    SequenceConstructOp,
    SequenceEmptyOp,
    SequenceEraseOp,
    SequenceInsertOp,
    SequenceLengthOp,
    SequenceMapOp,
    SplitToSequenceOp,
    TfIdfVectorizerOp,
)
from ramiel.dialects.onnx_types import OptType, SeqType
from ramiel.ops.registry import Emit, Lowered, Multi, Operand, Unsupported, lowers, py_literal

# ---- control flow ---------------------------------------------------------------------


@lowers(IfOp)
def if_(e: Emit, op: IfOp) -> Lowered:
    """`(then() if bool(cond) else else())`: only the branch taken runs."""
    cond = e.arg(0)
    then = e.subgraph(op.then_branch, "then_branch")
    other = e.subgraph(op.else_branch, "else_branch")
    return Multi(f"({then}() if bool({cond}) else {other}())")


@lowers(LoopOp)
def loop(e: Emit, op: LoopOp) -> Lowered:
    """`rt.loop(body, M, cond, (carried...), scan_outputs=K)`."""
    trip_count, cond = e.opt(0), e.opt(1)
    carried = e.args_from(2)
    body = e.subgraph(op.body, "loop_body")
    scans = len(e.outputs) - len(carried)
    extra = f", scan_outputs={scans}" if scans else ""
    return Multi(
        f"rt.loop({body}, {_or_none(trip_count)}, {_or_none(cond)}, {_tuple(carried)}{extra})"
    )


@lowers(ScanOp)
def scan(e: Emit, op: ScanOp) -> Lowered:
    """`rt.scan(body, (states...), (scan_inputs...), scan_outputs=K, ...)`."""
    values = e.args_from(0)
    num_inputs = int(e.attr("num_scan_inputs"))
    states, inputs = values[: len(values) - num_inputs], values[len(values) - num_inputs :]
    scans = len(e.outputs) - len(states)
    body = e.subgraph(op.body, "scan_body")
    args = [body, _tuple(states), _tuple(inputs), f"scan_outputs={scans}"]
    for name in ("input_axes", "input_directions", "output_axes", "output_directions"):
        value = e.attr(f"scan_{name}")
        if value is not None and any(value):
            args.append(f"{name}={py_literal(tuple(int(v) for v in value))}")
    return Multi(f"rt.scan({', '.join(args)})")


# ---- sequences ------------------------------------------------------------------------


@lowers(SequenceEmptyOp)
def sequence_empty(e: Emit, op: SequenceEmptyOp) -> str:
    return "[]"


@lowers(SequenceConstructOp)
def sequence_construct(e: Emit, op: SequenceConstructOp) -> str:
    return f"[{', '.join(x.expr for x in e.args_from(0))}]"


@lowers(SequenceInsertOp)
def sequence_insert(e: Emit, op: SequenceInsertOp) -> str:
    sequence, tensor, position = e.arg(0), e.arg(1), e.opt(2)
    if position is None:
        return f"[*{sequence}, {tensor}]"
    index = position.const_ints()
    if index is None:
        return f"rt.sequence_insert({sequence}, {tensor}, {position})"
    (p,) = index
    if p == 0:
        return f"[{tensor}, *{sequence}]"
    return f"[*{sequence}[:{p}], {tensor}, *{sequence}[{p}:]]"


@lowers(SequenceAtOp)
def sequence_at(e: Emit, op: SequenceAtOp) -> str:
    sequence, position = e.arg(0), e.arg(1)
    index = position.const_ints()
    if index is None:
        return f"{sequence}[int({position})]"
    return f"{sequence}[{index[0]}]"


@lowers(SequenceEraseOp)
def sequence_erase(e: Emit, op: SequenceEraseOp) -> str:
    sequence, position = e.arg(0), e.opt(1)
    index = (-1,) if position is None else position.const_ints()
    if index is None:
        return f"rt.sequence_erase({sequence}, {position})"
    (p,) = index
    if p == -1:
        return f"{sequence}[:-1]"
    if p == 0:
        return f"{sequence}[1:]"
    return f"[*{sequence}[:{p}], *{sequence}[{p + 1}:]]"


@lowers(SequenceLengthOp)
def sequence_length(e: Emit, op: SequenceLengthOp) -> str:
    return f"torch.tensor(len({e.arg(0)}))"


@lowers(ConcatFromSequenceOp)
def concat_from_sequence(e: Emit, op: ConcatFromSequenceOp) -> str:
    sequence = e.arg(0)
    axis = int(e.attr("axis"))
    new_axis = bool(e.attr("new_axis"))
    dim = f", dim={axis}" if axis else ""
    return f"torch.{'stack' if new_axis else 'cat'}({sequence}{dim})"


@lowers(SplitToSequenceOp)
def split_to_sequence(e: Emit, op: SplitToSequenceOp) -> str:
    x, split = e.arg(0), e.opt(1)
    axis = int(e.attr("axis"))
    dim = f", dim={axis}" if axis else ""
    if split is None:
        if e.attr("keepdims"):
            return f"list(torch.split({x}, 1{dim}))"
        return f"list(torch.unbind({x}{dim}))"
    sizes = split.const_ints()
    if sizes is not None:
        assert split.const is not None
        literal = str(sizes[0]) if split.const.ndim == 0 else py_literal(list(sizes))
        return f"list(torch.split({x}, {literal}{dim}))"
    if split.rank == 0:
        return f"list(torch.split({x}, int({split}){dim}))"
    return f"list(torch.split({x}, {split}.tolist(){dim}))"


@lowers(SequenceMapOp)
def sequence_map(e: Emit, op: SequenceMapOp) -> Lowered:
    """A comprehension calling the body on the items of the sequences, in step."""
    body = e.subgraph(op.body, "map_body")
    sequences: list[tuple[str, str]] = []  # (item name, sequence expression)
    call: list[str] = []
    for value in e.args_from(0):
        if isinstance(value.type, SeqType):
            item = e.fresh("item")
            sequences.append((item, value.expr))
            call.append(item)
        else:
            call.append(value.expr)
    items = ", ".join(item for item, _ in sequences)
    if len(sequences) == 1:
        source = sequences[0][1]
    else:
        source = f"zip({', '.join(seq for _, seq in sequences)})"
    outputs = len(e.outputs)
    if outputs == 1:
        return f"[{body}({', '.join(call)})[0] for {items} in {source}]"
    results = f"[{body}({', '.join(call)}) for {items} in {source}]"
    return Multi(f"rt.sequence_unzip({results}, {outputs})")


# ---- optionals ------------------------------------------------------------------------


@lowers(OptionalOp)
def optional(e: Emit, op: OptionalOp) -> str:
    value = e.opt(0)
    return "None" if value is None else value.expr


@lowers(OptionalHasElementOp)
def optional_has_element(e: Emit, op: OptionalHasElementOp) -> str:
    value = e.opt(0)
    if value is None:
        return "torch.tensor(False)"
    if not isinstance(value.type, OptType):
        return "torch.tensor(True)"
    return f"torch.tensor({value} is not None)"


@lowers(OptionalGetElementOp)
def optional_get_element(e: Emit, op: OptionalGetElementOp) -> str:
    value = e.arg(0)
    return value.expr


# ---- random ---------------------------------------------------------------------------


def _generator(e: Emit, like: Operand | None = None) -> str:
    seed = e.attr("seed")
    if seed is None:
        return ""
    device = "" if like is None else f"{like}.device"
    return f", generator=torch.Generator({device}).manual_seed({int(seed)})"


@lowers(RandomNormalOp)
def random_normal(e: Emit, op: RandomNormalOp) -> str:
    shape = py_literal(tuple(int(d) for d in e.attr("shape")))
    mean, scale = float(e.attr("mean")), float(e.attr("scale"))
    return (
        f"torch.normal({py_literal(mean)}, {py_literal(scale)}, {shape}, "
        f"dtype={e.out().dtype}{_generator(e)})"
    )


@lowers(RandomNormalLikeOp)
def random_normal_like(e: Emit, op: RandomNormalLikeOp) -> str:
    x = e.arg(0)
    mean, scale = float(e.attr("mean")), float(e.attr("scale"))
    return (
        f"torch.normal({py_literal(mean)}, {py_literal(scale)}, {x}.shape, "
        f"dtype={e.out().dtype}, device={x}.device{_generator(e, x)})"
    )


@lowers(RandomUniformOp)
def random_uniform(e: Emit, op: RandomUniformOp) -> str:
    shape = py_literal(tuple(int(d) for d in e.attr("shape")))
    sample = f"torch.rand({shape}, dtype={e.out().dtype}{_generator(e)})"
    return _scale(sample, float(e.attr("low")), float(e.attr("high")))


@lowers(RandomUniformLikeOp)
def random_uniform_like(e: Emit, op: RandomUniformLikeOp) -> str:
    x = e.arg(0)
    sample = f"torch.rand({x}.shape, dtype={e.out().dtype}, device={x}.device{_generator(e, x)})"
    return _scale(sample, float(e.attr("low")), float(e.attr("high")))


def _scale(sample: str, low: float, high: float) -> str:
    if (low, high) == (0.0, 1.0):
        return sample
    if low == 0.0:
        return f"{sample} * {py_literal(high)}"
    shift = f"+ {py_literal(low)}" if low > 0 else f"- {py_literal(-low)}"
    return f"{sample} * {py_literal(high - low)} {shift}"


@lowers(BernoulliOp)
def bernoulli(e: Emit, op: BernoulliOp) -> str:
    x, out = e.arg(0), e.out()
    sample = f"torch.bernoulli({x}{_generator(e, x)})"
    return sample if out.dtype == x.dtype else f"{sample}.to({out.dtype})"


@lowers(MultinomialOp)
def multinomial(e: Emit, op: MultinomialOp) -> str:
    """Samples from the softmax of the unnormalized log-probabilities `x` ([batch, classes])."""
    x, out = e.arg(0), e.out()
    count = int(e.attr("sample_size"))
    sample = (
        f"torch.multinomial(torch.softmax({x}, -1), {count}, replacement=True{_generator(e, x)})"
    )
    return sample if out.dtype == "torch.int64" else f"{sample}.to({out.dtype})"


@lowers(TfIdfVectorizerOp)
def tfidf_vectorizer(e: Emit, op: TfIdfVectorizerOp) -> str:
    x = e.arg(0)
    pool = e.attr("pool_int64s")
    if pool is None:
        raise Unsupported("string n-gram pools are not supported")
    args = [
        x.expr,
        f"mode={e.attr('mode')!r}",
        f"min_gram_length={int(e.attr('min_gram_length'))}",
        f"max_gram_length={int(e.attr('max_gram_length'))}",
        f"max_skip_count={int(e.attr('max_skip_count'))}",
        f"ngram_counts={py_literal(tuple(e.attr('ngram_counts')))}",
        f"ngram_indexes={py_literal(tuple(e.attr('ngram_indexes')))}",
        f"pool={py_literal(tuple(pool))}",
    ]
    weights = e.attr("weights")
    if weights is not None:
        args.append(f"weights={py_literal(tuple(float(w) for w in weights))}")
    return f"rt.tfidf_vectorizer({', '.join(args)})"


# ---- helpers --------------------------------------------------------------------------


def _or_none(value: Operand | None) -> str:
    return "None" if value is None else value.expr


def _tuple(values: list[Operand]) -> str:
    items = [v.expr for v in values]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
