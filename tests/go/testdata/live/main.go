// The fixture of tests/go/live_check.py: a Go program in a known state for
// `exray go --pid`. It starts goroutines blocked in a channel receive, in
// time.Sleep and, locked to their own OS threads (so extra Ms), in a select;
// keeps 4 MiB of heap live; runs the GC twice; prints its pid,
// runtime.NumGoroutine(), runtime.GOMAXPROCS(0) and MemStats.NumGC on one
// line, the MemStats figures exray reads on a second, and waits until stdin
// closes.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

const (
	nChan   = 12 // blocked in <-ch: wait reason "chan receive"
	nSleep  = 3  // blocked in time.Sleep: "sleep"
	nLocked = 3  // LockOSThread, then blocked in a select: "select"
	nBlocks = 64 // 64 KiB each, kept live: 4 MiB of heap in use
)

var keep [][]byte

func main() {
	// An optional argument adds that many more goroutines blocked in a
	// channel receive (bench/go_pid.sh starts 100,000).
	extra := 0
	if len(os.Args) > 1 {
		extra, _ = strconv.Atoi(os.Args[1])
	}
	ch := make(chan int)
	other := make(chan int)
	var started sync.WaitGroup
	started.Add(nChan + extra + nSleep + nLocked)
	for i := 0; i < nChan+extra; i++ {
		go func() {
			started.Done()
			<-ch
		}()
	}
	for i := 0; i < nSleep; i++ {
		go func() {
			started.Done()
			time.Sleep(time.Hour)
		}()
	}
	for i := 0; i < nLocked; i++ {
		go func() {
			runtime.LockOSThread()
			started.Done()
			select {
			case <-ch:
			case <-other:
			}
		}()
	}
	started.Wait()
	for i := 0; i < nBlocks; i++ {
		b := make([]byte, 64<<10)
		for j := range b {
			b[j] = byte(i) // every page written, so resident
		}
		keep = append(keep, b)
	}
	// Let the last ones reach their blocking call.
	time.Sleep(300 * time.Millisecond)
	// Two GC cycles at least, so memstats.numgc is not zero.
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("pid %d goroutines %d gomaxprocs %d chan %d sleep %d select %d numgc %d\n", os.Getpid(),
		runtime.NumGoroutine(), runtime.GOMAXPROCS(0), nChan+extra, nSleep, nLocked, ms.NumGC)
	fmt.Printf("memstats sys %d heap_sys %d heap_inuse %d heap_idle %d heap_released %d heap_alloc %d "+
		"stack_inuse %d stack_sys %d mspan_sys %d mcache_sys %d buckhash_sys %d gc_sys %d other_sys %d\n",
		ms.Sys, ms.HeapSys, ms.HeapInuse, ms.HeapIdle, ms.HeapReleased, ms.HeapAlloc, ms.StackInuse, ms.StackSys,
		ms.MSpanSys, ms.MCacheSys, ms.BuckHashSys, ms.GCSys, ms.OtherSys)
	buf := make([]byte, 1)
	for {
		if _, err := os.Stdin.Read(buf); err != nil {
			return
		}
	}
}
