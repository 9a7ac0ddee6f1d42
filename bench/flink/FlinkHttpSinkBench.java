// The peer of bench/http-sink.ts: getindata's flink-http-connector (the document's own HTTP sink)
// in a local Flink MiniCluster. Kafka source (flink-connector-kafka, bounded at the topic's end
// offsets) -> HttpSink posting each record's value bytes, in `batch` or `single` mode.
// Compiled and run by scripts/bench http-sink; nothing of it enters the gateway.
// Usage: FlinkHttpSinkBench <bootstrap> <topic> <url> <batch|single> <batch size> <parallelism> <max ms in buffer>
import com.getindata.connectors.http.HttpSink;
import com.getindata.connectors.http.internal.sink.HttpSinkRequestEntry;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

public final class FlinkHttpSinkBench {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    String url = args[2];
    String mode = args[3];
    String batchSize = args[4];
    int parallelism = Integer.parseInt(args[5]);
    long maxTimeInBufferMs = Long.parseLong(args[6]);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
    KafkaSource<String> source =
        KafkaSource.<String>builder()
            .setBootstrapServers(bootstrap)
            .setTopics(topic)
            .setGroupId("flink-http-sink-bench-" + System.nanoTime())
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setBounded(OffsetsInitializer.latest())
            .setValueOnlyDeserializer(new SimpleStringSchema())
            .build();
    HttpSink<String> sink =
        HttpSink.<String>builder()
            .setEndpointUrl(url)
            .setElementConverter(
                (value, context) -> new HttpSinkRequestEntry("POST", value.getBytes(StandardCharsets.UTF_8)))
            .setProperty("gid.connector.http.sink.writer.request.mode", mode)
            .setProperty("gid.connector.http.sink.request.batch.size", batchSize)
            .setProperty("gid.connector.http.sink.header.Content-Type", "application/json")
            .setMaxBatchSize(Integer.parseInt(batchSize))
            .setMaxTimeInBufferMS(maxTimeInBufferMs)
            .build();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka").sinkTo(sink);
    env.execute("flink-http-sink-bench");
  }
}
