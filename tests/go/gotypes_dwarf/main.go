// gotypes_dwarf prints, for every type in a Go binary's DWARF that names its
// runtime type descriptor (DW_AT_go_runtime_type), the descriptor's address,
// the type's name, its reflect.Kind (DW_AT_go_kind) and its byte size, one
// tab-separated line each: the reference exray's --types is checked against
// (tests/go/types_check.py). Compilers before Go 1.10 wrote no
// DW_AT_go_runtime_type: there every named struct type is printed with "-"
// for the address, to be matched by name. Uses only Go's own debug/elf and
// debug/dwarf.
package main

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
	"strings"
)

const (
	attrGoKind        dwarf.Attr = 0x2900
	attrGoRuntimeType dwarf.Attr = 0x2904
)

func main() {
	f, err := elf.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	d, err := f.DWARF()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if e == nil {
			break
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		rt, ok := e.Val(attrGoRuntimeType).(uint64)
		if !ok || rt == 0 {
			if _, has := e.Val(attrGoRuntimeType).(uint64); !has && e.Tag == dwarf.TagStructType &&
				strings.Contains(name, ".") && !strings.ContainsAny(name, " []*{}()") {
				if size, hasSize := e.Val(dwarf.AttrByteSize).(int64); hasSize {
					fmt.Printf("-\t%s\t25\t%d\n", name, size)
				}
			}
			continue
		}
		kind, _ := e.Val(attrGoKind).(int64)
		if kind == 0 && e.Tag == dwarf.TagPointerType {
			kind = 22 // the compiler gives pointer types no DW_AT_go_kind
		}
		size, hasSize := e.Val(dwarf.AttrByteSize).(int64)
		if !hasSize {
			size = -1
		}
		fmt.Printf("%#x\t%s\t%d\t%d\n", rt, name, kind, size)
	}
}
