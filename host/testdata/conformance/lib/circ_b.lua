-- The other half of the circular require.
require("lib.circ_a")
return {}
