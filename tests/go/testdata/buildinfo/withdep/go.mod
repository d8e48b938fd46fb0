module example.com/withdep

go 1.19

require example.com/greet v1.0.0

replace example.com/greet => ./greet
