// gosym_dump prints, for each ELF Go binary given, every function in its
// pclntab as Go's own debug/gosym sees it: name, entry, end, and file:line at
// the entry, and what PCToLine says about the pc halfway through it. The
// reference side of tests/go/pclntab_diff.py.
//
// Output: one line per function (hex addresses),
// "name\tentry\tend\tfile:line\tmid\tmidname\tfile:line".
package main

import (
	"bufio"
	"debug/elf"
	"debug/gosym"
	"fmt"
	"os"
)

func dump(path string, w *bufio.Writer) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var pcln *elf.Section
	for _, name := range []string{".gopclntab", ".data.rel.ro.gopclntab"} {
		if pcln = f.Section(name); pcln != nil {
			break
		}
	}
	text := f.Section(".text")
	if text == nil {
		return fmt.Errorf("no .text section")
	}
	// Go 1.19's gosym takes the Go 1.18+ text base from the caller.
	addr := text.Addr
	syms := map[string]uint64{}
	if list, err := f.Symbols(); err == nil {
		for _, s := range list {
			syms[s.Name] = s.Value
		}
	}
	if v, ok := syms["runtime.text"]; ok {
		addr = v
	}
	var data []byte
	if pcln != nil {
		if data, err = pcln.Data(); err != nil {
			return err
		}
	} else {
		// External linking may merge the pclntab into another section; then
		// runtime.pclntab..runtime.epclntab bound it, as cmd/internal/objfile reads it.
		start, ok1 := syms["runtime.pclntab"]
		end, ok2 := syms["runtime.epclntab"]
		if !ok1 || !ok2 || end < start {
			return fmt.Errorf("no .gopclntab section and no runtime.pclntab symbols")
		}
		for _, s := range f.Sections {
			if s.Type == elf.SHT_PROGBITS && start >= s.Addr && end <= s.Addr+s.Size {
				b, err := s.Data()
				if err != nil {
					return err
				}
				data = b[start-s.Addr : end-s.Addr]
			}
		}
		if data == nil {
			return fmt.Errorf("runtime.pclntab %#x is in no section", start)
		}
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, addr))
	if err != nil {
		return err
	}
	for i := range tab.Funcs {
		fn := &tab.Funcs[i]
		file, line, _ := tab.PCToLine(fn.Entry)
		mid := fn.Entry + (fn.End-fn.Entry)/2
		mfile, mline, mfn := tab.PCToLine(mid)
		mname := ""
		if mfn != nil {
			mname = mfn.Name
		}
		fmt.Fprintf(w, "%s\t%#x\t%#x\t%s:%d\t%#x\t%s\t%s:%d\n", fn.Name, fn.Entry, fn.End, file, line, mid, mname, mfile, mline)
	}
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gosym_dump BINARY")
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	if err := dump(os.Args[1], w); err != nil {
		w.Flush()
		fmt.Fprintln(os.Stderr, "gosym_dump:", err)
		os.Exit(1)
	}
}
