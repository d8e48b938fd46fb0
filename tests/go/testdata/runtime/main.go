// A small program for `exray go --runtime` (tests/go/runtime_check.py): a few
// goroutines and some allocation, so the scheduler and allocator are linked
// in as in any real program.
package main

import (
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	out := make([][]byte, 8)
	for i := range out {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out[i] = make([]byte, 1<<i)
		}(i)
	}
	wg.Wait()
	fmt.Println(len(out))
}
