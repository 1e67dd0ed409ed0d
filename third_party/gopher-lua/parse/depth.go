package parse

// MaxStackDepth, when positive, bounds the parser's stack (Moonbox patch, see
// MOONBOX.md): a chunk that would grow it past this many entries is the
// syntax error "chunk has too many syntax levels" instead of a stack that
// doubles without bound. Upstream lets 100,000 nested parentheses grow it to
// a 32 MiB allocation, which traps a small wasm instance. Zero (the default)
// is upstream's behaviour.
var MaxStackDepth = 0

// tooDeep raises the syntax error when the stack, size entries long, is
// full and may not grow.
func tooDeep(yylex yyLexer, size int) {
	if MaxStackDepth > 0 && size >= MaxStackDepth {
		yylex.Error("chunk has too many syntax levels")
	}
}
