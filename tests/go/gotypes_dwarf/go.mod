module example.com/gotypesdwarf

go 1.19
