-- Half of a circular require (lib.circ_a requires lib.circ_b requires lib.circ_a).
require("lib.circ_b")
return {}
