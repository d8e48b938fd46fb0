// goruntime_dwarf prints the size and every member's offset of the Go
// runtime's scheduler and allocator structures (runtime.g, m, p, schedt,
// mspan, mcache, mheap, mstats, gcControllerState, heapStatsDelta, consistentHeapStats and runtime.stack) from a
// binary's DWARF, one line per struct ("S name size") and per member ("F struct member offset type
// type_size"): the reference exray's --runtime is checked against
// (tests/go/runtime_check.py). Uses only Go's own debug/elf and debug/dwarf.
package main

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
)

var wanted = map[string]bool{
	"runtime.g": true, "runtime.m": true, "runtime.p": true, "runtime.schedt": true,
	"runtime.mspan": true, "runtime.mcache": true, "runtime.mheap": true, "runtime.stack": true,
	"runtime.mstats": true, "runtime.gcControllerState": true,
	"runtime.heapStatsDelta": true, "runtime.consistentHeapStats": true,
	// Go 1.25 on: the free and run queues' counts are their lists' size.
	"runtime.gList": true, "runtime.gQueue": true,
}

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
		if e.Tag != dwarf.TagStructType || !wanted[name] {
			continue
		}
		t, err := d.Type(e.Offset)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		st, ok := t.(*dwarf.StructType)
		if !ok {
			continue
		}
		fmt.Printf("S\t%s\t%d\n", name, st.ByteSize)
		var unnamed []*dwarf.StructType
		for _, fld := range st.Field {
			tname := fld.Type.Common().Name
			// An unnamed struct (p.gFree, schedt.gFree): named by its
			// DW_AT_name, and its members printed after this struct.
			if inner, ok := fld.Type.(*dwarf.StructType); ok && tname == "" {
				tname = inner.StructName
				unnamed = append(unnamed, inner)
			}
			fmt.Printf("F\t%s\t%s\t%d\t%s\t%d\n", name, fld.Name, fld.ByteOffset, tname, fld.Type.Size())
		}
		for _, inner := range unnamed {
			fmt.Printf("S\t%s\t%d\n", inner.StructName, inner.ByteSize)
			for _, fld := range inner.Field {
				fmt.Printf("F\t%s\t%s\t%d\t%s\t%d\n", inner.StructName, fld.Name, fld.ByteOffset, fld.Type.Common().Name, fld.Type.Size())
			}
		}
		delete(wanted, name)
	}
}
