module example.com/runtimefix

go 1.19
