package io.jobline.builtins.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SQL the relational targets send: Azure SQL's MERGE and table DDL, PostgreSQL's ON CONFLICT.
 */
class SqlDialectTest {
  private static final List<Column> COLUMNS =
      List.of(
          new Column("_id", ColumnType.STRING),
          new Column("name", ColumnType.STRING),
          new Column("visits", ColumnType.INTEGER),
          new Column("score", ColumnType.FLOAT),
          new Column("active", ColumnType.BOOLEAN),
          new Column("seen_at", ColumnType.TIMESTAMP));
  private final SqlServerDialect azure = new SqlServerDialect();
  private final PostgresDialect postgres = new PostgresDialect();

  @Test
  void azureSqlCreatesTheTableOnlyWhenAbsentWithTheKeyAsPrimaryKey() {
    assertThat(azure.createTable("users", COLUMNS))
        .isEqualTo(
            "IF OBJECT_ID(N'dbo.users', N'U') IS NULL CREATE TABLE [users] ([_id] NVARCHAR(450) NOT NULL PRIMARY KEY, "
                + "[name] NVARCHAR(MAX), [visits] BIGINT, [score] FLOAT, [active] BIT, [seen_at] DATETIMEOFFSET)");
    assertThat(azure.createTable("bi.users", COLUMNS.subList(0, 2)))
        .isEqualTo(
            "IF OBJECT_ID(N'bi.users', N'U') IS NULL CREATE TABLE [bi].[users] ([_id] NVARCHAR(450) NOT NULL PRIMARY KEY, "
                + "[name] NVARCHAR(MAX))");
    assertThat(azure.addColumn("users", new Column("plan", ColumnType.STRING)))
        .isEqualTo(
            "IF COL_LENGTH(N'dbo.users', N'plan') IS NULL ALTER TABLE [users] ADD [plan] NVARCHAR(MAX)");
  }

  @Test
  void azureSqlUpsertsWithAMergeKeyedByTheDocumentId() {
    assertThat(azure.upsert("users", COLUMNS.subList(0, 3)))
        .isEqualTo(
            "MERGE INTO [users] WITH (HOLDLOCK) AS target USING (VALUES (?, ?, ?)) AS source ([_id], [name], [visits]) "
                + "ON target.[_id] = source.[_id] "
                + "WHEN MATCHED THEN UPDATE SET target.[name] = source.[name], target.[visits] = source.[visits] "
                + "WHEN NOT MATCHED THEN INSERT ([_id], [name], [visits]) VALUES (source.[_id], source.[name], source.[visits]);");
    assertThat(azure.upsert("t", COLUMNS.subList(0, 1))).doesNotContain("WHEN MATCHED");
    assertThat(azure.upsert("t", COLUMNS.subList(0, 1), List.of("email")))
        .contains("WHEN MATCHED THEN UPDATE SET target.[email] = NULL WHEN NOT MATCHED")
        .contains("INSERT ([_id]) VALUES (source.[_id])");
  }

  @Test
  void identifiersAreQuotedSoColumnNamesCannotBreakOutOfTheStatement() {
    assertThat(azure.quote("a]b; DROP TABLE x--")).isEqualTo("[a]]b; DROP TABLE x--]");
    assertThat(postgres.quote("a\"b")).isEqualTo("\"a\"\"b\"");
  }

  @Test
  void azureConnectionStringsFromThePortalBecomeJdbcUrls() {
    assertThat(
            azure.jdbcUrl(
                "Server=tcp:acme.database.windows.net,1433;Initial Catalog=bi;Persist Security Info=False;"
                    + "User ID=exporter;Password=s3cret;MultipleActiveResultSets=False;Encrypt=True;TrustServerCertificate=False;"
                    + "Connection Timeout=30;"))
        .isEqualTo(
            "jdbc:sqlserver://acme.database.windows.net:1433;databaseName=bi;"
                + "user=exporter;password=s3cret;encrypt=True;trustServerCertificate=False;loginTimeout=30");
    assertThat(azure.jdbcUrl("jdbc:sqlserver://h:1433;databaseName=x"))
        .isEqualTo("jdbc:sqlserver://h:1433;databaseName=x");
  }

  @Test
  void postgresUpsertsWithOnConflictAndAcceptsUris() {
    assertThat(postgres.createTable("bi.users", COLUMNS.subList(0, 3)))
        .isEqualTo(
            "CREATE TABLE IF NOT EXISTS \"bi\".\"users\" (\"_id\" TEXT NOT NULL PRIMARY KEY, \"name\" TEXT, \"visits\" BIGINT)");
    assertThat(postgres.upsert("users", COLUMNS.subList(0, 2)))
        .isEqualTo(
            "INSERT INTO \"users\" (\"_id\", \"name\") VALUES (?, ?) ON CONFLICT (\"_id\") DO UPDATE SET \"name\" = EXCLUDED.\"name\"");
    assertThat(postgres.upsert("users", COLUMNS.subList(0, 1), List.of("email", "age")))
        .endsWith("ON CONFLICT (\"_id\") DO UPDATE SET \"email\" = NULL, \"age\" = NULL");
    assertThat(postgres.jdbcUrl("postgresql://bi:pw@db.internal:5433/warehouse?sslmode=require"))
        .isEqualTo(
            "jdbc:postgresql://db.internal:5433/warehouse?user=bi&password=pw&sslmode=require");
  }
}
