// MQTT 3.1.1 broker: sessions, subscriptions, retained messages, wills.
#include "mqtt_broker.h"
#include "mqtt_internal.h"

#if MG_ENABLE_MQTT_BROKER
#endif  // MG_ENABLE_MQTT_BROKER
