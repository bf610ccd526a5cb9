// The runtime bench with coroutine frames from ::operator new, to show what frame recycling buys.
#define LOADKIT_NO_FRAME_RECYCLING 1
#include "runtime.cpp"
