module example.com/goruntime_dwarf

go 1.19
