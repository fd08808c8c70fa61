# make bench chart: throughput with 1, 10 and 100 parallel flows, and stackd's RSS with idle
# connections. gnuplot -e "datafile='X.dat'; outfile='X.png'" tools/bench/scaling.gp
set terminal pngcairo size 1100,450 font ",10" noenhanced
set output outfile
set multiplot layout 1,2 title "make bench: scaling"
set logscale x
set grid
set key top left
set xlabel "parallel flows"
set ylabel "Mbit/s"
set yrange [0:*]
set xrange [0.8:130]
plot datafile index 0 using 1:2 with linespoints lw 2 title "host -> stack (discard)", \
     datafile index 0 using 1:3 with linespoints lw 2 title "stack -> host (chargen)"
unset logscale x
set xrange [*:*]
set xlabel "idle established connections"
set ylabel "stackd RSS (MB)"
plot datafile index 1 using 1:($2/1024) with linespoints lw 2 title "RSS"
unset multiplot
