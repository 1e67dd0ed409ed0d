-- A module whose body raises when it is loaded.
error("bad_module refuses to load")
