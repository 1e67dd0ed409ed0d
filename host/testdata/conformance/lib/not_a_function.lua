-- A source that returns neither a function nor a table with main.
return 42
