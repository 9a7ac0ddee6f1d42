package bench;

import com.getindata.connectors.http.HttpSink;
import com.getindata.connectors.http.internal.sink.HttpSinkRequestEntry;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink peer of bench/http-sink.ts: reads a Kafka topic from the earliest to the latest offset
 * (a bounded KafkaSource, so the job ends when the topic is drained) and sends every value through
 * getindata's HttpSink to an HTTP endpoint, in batch mode (a JSON array per request) or single mode
 * (one request per record), in a local MiniCluster.
 *
 * <p>Arguments: bootstrap topic url mode(batch|single) batchSize parallelism.
 */
public final class FlinkHttpSinkJob {
  private FlinkHttpSinkJob() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      throw new IllegalArgumentException("usage: bootstrap topic url batch|single batchSize parallelism");
    }
    String bootstrap = args[0];
    String topic = args[1];
    String url = args[2];
    String mode = args[3];
    int batchSize = Integer.parseInt(args[4]);
    int parallelism = Integer.parseInt(args[5]);

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(parallelism);

    KafkaSource<String> source = KafkaSource.<String>builder()
        .setBootstrapServers(bootstrap)
        .setTopics(topic)
        .setGroupId("flink-http-sink-bench-" + System.nanoTime())
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setBounded(OffsetsInitializer.latest())
        .setValueOnlyDeserializer(new SimpleStringSchema())
        .build();

    HttpSink<String> sink = HttpSink.<String>builder()
        .setEndpointUrl(url)
        .setElementConverter((value, context) ->
            new HttpSinkRequestEntry("POST", value.getBytes(StandardCharsets.UTF_8)))
        .setMaxBatchSize(batchSize)
        .setProperty("gid.connector.http.sink.writer.request.mode", mode)
        .setProperty("gid.connector.http.sink.request.batch.size", Integer.toString(batchSize))
        .setProperty("gid.connector.http.sink.header.Content-Type", "application/json")
        .build();

    env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka").sinkTo(sink);
    env.execute("flink-http-sink-bench " + mode);
  }
}
