module exray.test/pclnfix

go 1.19
