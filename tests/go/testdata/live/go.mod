module example.com/livefix

go 1.19
