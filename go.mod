module github.com/moonbox-runtime/moonbox

go 1.26.8

require (
	github.com/bmatcuk/doublestar/v4 v4.6.1
	github.com/casbin/casbin/v2 v2.135.0
	github.com/cespare/xxhash/v2 v2.3.0
	github.com/fsnotify/fsnotify v1.10.1
	github.com/fxamacker/cbor/v2 v2.10.0
	github.com/tetratelabs/wazero v1.12.0
	golang.org/x/sys v0.44.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/casbin/govaluate v1.3.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/x448/float16 v0.8.4 // indirect
)
