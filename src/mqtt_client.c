// MQTT protocol handler (client and server side), the 6.x send functions
// and the client session.
#include "mqtt_internal.h"
#include "http.h"

#if MG_ENABLE_MQTT
#endif  // MG_ENABLE_MQTT
