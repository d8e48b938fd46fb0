module exray.test/pclncgo

go 1.19
