package abi_test

import (
	"fmt"
	"strings"

	"github.com/moonbox-runtime/moonbox/abi"
)

// Encode the Lua value {"ping", 42, 0.5, {ok = true}, errors.new(NOT_FOUND, "gone")}
// (a table with keys 1..n, so an array) and walk it item by item.
func Example() {
	b := abi.AppendArray(nil, 5)
	b = abi.AppendString(b, "ping")
	b = abi.AppendNumber(b, 42) // integral: stays an integer
	b = abi.AppendNumber(b, 0.5)
	b = abi.AppendMap(b, 1)
	b = abi.AppendString(b, "ok")
	b = abi.AppendBool(b, true)
	b = abi.AppendError(b, "NOT_FOUND", "gone")

	if err := abi.Validate(b); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("% x\n", b)

	d := abi.NewDecoder(b)
	var walk func(depth int)
	walk = func(depth int) {
		it, err := d.Next()
		if err != nil {
			fmt.Println(err)
			return
		}
		indent := strings.Repeat("  ", depth)
		switch it.Type {
		case abi.TypeNull:
			fmt.Println(indent + "nil")
		case abi.TypeBool:
			fmt.Println(indent+"bool", it.Bool)
		case abi.TypeInt:
			fmt.Println(indent+"integer", it.Int)
		case abi.TypeFloat:
			fmt.Println(indent+"float", it.Float)
		case abi.TypeString:
			fmt.Printf("%sstring %q\n", indent, it.Str)
		case abi.TypeArray:
			fmt.Println(indent+"array of", it.Len)
			for i := 0; i < it.Len; i++ {
				walk(depth + 1)
			}
		case abi.TypeMap:
			fmt.Println(indent+"map of", it.Len)
			for i := 0; i < 2*it.Len; i++ { // key, value, key, value, ...
				walk(depth + 1)
			}
		case abi.TypeTag:
			fmt.Println(indent+"error object, tag", it.Int)
			walk(depth + 1) // [kind, message]
		}
	}
	walk(0)
	// Output:
	// 85 64 70 69 6e 67 18 2a fb 3f e0 00 00 00 00 00 00 a1 62 6f 6b f5 d9 69 79 82 69 4e 4f 54 5f 46 4f 55 4e 44 64 67 6f 6e 65
	// array of 5
	//   string "ping"
	//   integer 42
	//   float 0.5
	//   map of 1
	//     string "ok"
	//     bool true
	//   error object, tag 27001
	//     array of 2
	//       string "NOT_FOUND"
	//       string "gone"
}
