-- A one-shot job: its exit value is the answer (see process.call).
return function(n) return n * n end
