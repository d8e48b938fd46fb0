module exray.test/gosym_dump

go 1.19
