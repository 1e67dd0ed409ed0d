-- A module that requires itself while it loads (recursion-bomb's require form).
return require("cycle")
