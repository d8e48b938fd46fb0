module example.com/typesfix

go 1.19
