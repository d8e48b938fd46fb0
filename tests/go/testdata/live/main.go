// The fixture of tests/go/live_check.py: a Go program in a known state for
// `exray go --pid`. It starts goroutines blocked in a channel receive, in
// time.Sleep and, locked to their own OS threads (so extra Ms), in a select;
// runs the GC twice; prints its pid, runtime.NumGoroutine(),
// runtime.GOMAXPROCS(0) and MemStats.NumGC on one line, and waits until stdin
// closes.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

const (
	nChan   = 12 // blocked in <-ch: wait reason "chan receive"
	nSleep  = 3  // blocked in time.Sleep: "sleep"
	nLocked = 3  // LockOSThread, then blocked in a select: "select"
)

func main() {
	ch := make(chan int)
	other := make(chan int)
	var started sync.WaitGroup
	started.Add(nChan + nSleep + nLocked)
	for i := 0; i < nChan; i++ {
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
	// Let the last ones reach their blocking call.
	time.Sleep(300 * time.Millisecond)
	// Two GC cycles at least, so memstats.numgc is not zero.
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("pid %d goroutines %d gomaxprocs %d chan %d sleep %d select %d numgc %d\n", os.Getpid(),
		runtime.NumGoroutine(), runtime.GOMAXPROCS(0), nChan, nSleep, nLocked, ms.NumGC)
	buf := make([]byte, 1)
	for {
		if _, err := os.Stdin.Read(buf); err != nil {
			return
		}
	}
}
